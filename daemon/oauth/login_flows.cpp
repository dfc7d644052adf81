// Implementation follows; the interface in login_flows.h is fixed.
#include "login_flows.h"
