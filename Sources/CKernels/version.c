#include "CKernels.h"
int ckernels_version(void) { return 0; }
