#ifndef POLYICL_CZEROMQ_SHIM_H
#define POLYICL_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
