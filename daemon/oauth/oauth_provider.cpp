// Implementation follows; the interface in oauth_provider.h is fixed.
#include "oauth_provider.h"
