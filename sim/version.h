// version.h - the aesim release.
#ifndef AESIM_VERSION_H
#define AESIM_VERSION_H
#define AESIM_VERSION "0.1.0"
#endif
