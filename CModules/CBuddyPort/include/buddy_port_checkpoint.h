/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoints of a zone, for exhaustive exploration: save a zone's whole state into
 * a buffer, go back to it later, and hash the state canonically. A checkpoint is
 * bound to the zone that saved it (the free lists point into that zone's memory map).
 */
#ifndef BUDDY_PORT_CHECKPOINT_H
#define BUDDY_PORT_CHECKPOINT_H

#include "buddy_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes a checkpoint of this zone takes. */
uint64_t bport_checkpoint_size(const struct bport_zone *zone);
/* BPORT_EREENTERED inside a reporting pass; otherwise fills buf, BPORT_OK. */
int bport_checkpoint_save(const struct bport_zone *zone, void *buf);
/*
 * Puts the zone back into the saved state. BPORT_EREENTERED inside a reporting pass,
 * BPORT_EGEOMETRY when buf was saved from another zone; the zone is then unchanged.
 */
int bport_checkpoint_restore(struct bport_zone *zone, const void *buf);
/*
 * A 128-bit hash of everything that decides the zone's future behaviour: what
 * bport_encode_state() shows, the live allocations, the watermark boost, the zone
 * flags and the reporting device's state. Equal states hash equal.
 */
void bport_state_hash(const struct bport_zone *zone, uint64_t out[2]);

#ifdef __cplusplus
}
#endif

#endif /* BUDDY_PORT_CHECKPOINT_H */
