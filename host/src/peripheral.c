/*
 * peripheral.c — what the board's gateware was built with (FEATURES).
 * SPDX-License-Identifier: MIT
 */
#include "peripheral.h"
#include "codec.h"

#include <stdio.h>

/* The wire constants the codec uses are the table's (regs/icebuf.tab). */
_Static_assert((int)IB_T_DATA == (int)ICEBUF_FRAME_DATA && (int)IB_T_ACK == (int)ICEBUF_FRAME_ACK &&
               (int)IB_T_NAK == (int)ICEBUF_FRAME_NAK && (int)IB_T_SYNC == (int)ICEBUF_FRAME_SYNC,
               "codec.h's frame types differ from regs/icebuf.tab");

static const struct { uint32_t bit; const char *name, *param; } features[] = {
	{ ICEBUF_FEAT_TEST_MODES, "test modes", "TEST_MODES" },
	{ ICEBUF_FEAT_KEYBOARD, "keyboard", "KEYBOARD" },
	{ ICEBUF_FEAT_VIDEO, "video", "VIDEO" },
	{ ICEBUF_FEAT_CONSOLE, "console", "CONSOLE" },
};
#define NFEAT (sizeof features / sizeof features[0])

uint32_t icebuf_features(const icebuf *dev)
{
	return ib_dev_features(dev);
}

const char *icebuf_feature_name(uint32_t feature)
{
	for (size_t i = 0; i < NFEAT; i++)
		if (features[i].bit == feature)
			return features[i].name;
	return NULL;
}

int ib_require_feature(icebuf *dev, uint32_t feature, const char *what)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	if (ib_dev_features(dev) & feature)
		return ICEBUF_OK;
	const char *param = "?";
	for (size_t i = 0; i < NFEAT; i++)
		if (features[i].bit == feature)
			param = features[i].param;
	char msg[256];
	snprintf(msg, sizeof msg,
	         "the board's gateware has no %s (FEATURES 0x%X): program a bitstream built with %s=1 "
	         "(a parameter of the board top; docs/boards.md says which boards have room for it)",
	         what, (unsigned)ib_dev_features(dev), param);
	return ib_dev_fail(dev, ICEBUF_ERR_UNSUPPORTED, msg);
}
