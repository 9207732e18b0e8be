#ifndef PARALLAX_CPROTOBUFC_SHIM_H
#define PARALLAX_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
