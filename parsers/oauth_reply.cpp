// Implementation follows; the interface in oauth_reply.h is fixed.
#include "oauth_reply.h"
