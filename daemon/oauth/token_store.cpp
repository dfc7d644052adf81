// Implementation follows; the interface in token_store.h is fixed.
#include "token_store.h"
