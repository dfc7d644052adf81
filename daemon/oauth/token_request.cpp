// Implementation follows; the interface in token_request.h is fixed.
#include "token_request.h"
