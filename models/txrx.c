// txrx.c - the part of the transceiver interface that is common to all schemes.
#include "txrx.h"

#include <stdlib.h>

void txrx_destroy(txrx *t)
{
    if (!t)
        return;
    if (t->vt && t->vt->destroy)
        t->vt->destroy(t->st);
    free(t);
}
