// Implementation follows; the interface in refresh_policy.h is fixed.
#include "refresh_policy.h"
