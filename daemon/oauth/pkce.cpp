// Implementation follows; the interface in pkce.h is fixed.
#include "pkce.h"
