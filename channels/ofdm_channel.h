// ofdm_channel.h - what sim/ needs of the OFDM channel type beyond ch_type (channels/ofdm_channel.c).
#ifndef AESIM_OFDM_CHANNEL_H
#define AESIM_OFDM_CHANNEL_H

#include "ch_type.h"
#include "ofdm_link.h"

extern const ch_type ch_ofdm_type;

// The link configuration inside the parameters of an "ofdm" channel (params of ch_ofdm_type only).
const ch_ofdm_link_cfg *ch_ofdm_channel_cfg(const void *params);

// The same, writable (tests and tools that set fields directly; re-check with ch_ofdm_link_cfg_validate).
ch_ofdm_link_cfg *ch_ofdm_channel_cfg_mut(void *params);

// Parse "comb:SPACING" (SPACING 2..65536) or "none" into o->pilots and o->pilot_spacing. AE_EINVAL
// naming the text otherwise (o unchanged).
int ch_ofdm_parse_pilots(const char *text, ch_ofdm_cfg *o);

#endif
