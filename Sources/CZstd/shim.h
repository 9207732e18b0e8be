#ifndef PARALLAX_CZSTD_SHIM_H
#define PARALLAX_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
