// checkpoint.h - model checkpoints in the safetensors format (sim/).
//
// File layout (https://github.com/huggingface/safetensors, "format"): an 8-byte little-endian unsigned
// header length H, then H bytes of UTF-8 JSON, then the raw little-endian tensor data. The JSON maps
// each tensor name to {"dtype": "F32" | "I64" | "U8", "shape": [...], "data_offsets": [begin, end]}
// (offsets relative to the data section, which they cover exactly and without overlap), plus an
// optional "__metadata__" object of string values. aesim pads the header with spaces to a multiple of
// 8 bytes.
//
// An autoencoder's tensors follow PyTorch's state_dict naming, the index counting dense layers only:
//   tx.<i>.weight (out, in), tx.<i>.bias (out)  for the encoder's dense layers i = 0, 1, ...
//   rx.<i>.weight, rx.<i>.bias                  for the decoder's
//   adam.m.<name>, adam.v.<name> (F32, same shapes)   Adam moments of every tensor above
//   adam.step (I64, shape [])                         Adam updates taken
//   rng.train_msg, rng.train_noise, rng.train_fade (U8, [bytes]) training generator states (optional)
// and __metadata__ holds "aesim_version", "system" and "config" (the resolved config text).
#ifndef AESIM_CHECKPOINT_H
#define AESIM_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "ae.h"

// Optional generator states carried in a checkpoint (raw gsl_rng state bytes, e.g. from
// gsl_rng_state/gsl_rng_size of a taus2 generator). NULL pointers / zero sizes: not stored.
typedef struct sim_ckpt_rng {
    const char *name; // tensor name suffix, e.g. "train_msg" -> "rng.train_msg"
    void *state;      // bytes (written from, or read into)
    size_t size;      // byte count
} sim_ckpt_rng;

// Write ae's parameters, Adam moments and step, and the given generator states to path (temporary file
// in the same folder, fsync, rename). metadata: system name, version, resolved config text (any may be
// NULL). Returns AE_OK, or AE_EIO naming the path and reason (the previous file stays intact).
int sim_ckpt_save(const char *path, const ae_model *ae, const sim_ckpt_rng *rngs, size_t n_rngs,
                  const char *system, const char *version, const char *config_text);

// Read a checkpoint into ae, whose configuration (layer shapes) must match: every tensor of ae must be
// present with dtype F32 and exactly the shape of the model; adam.* and adam.step are optional (zero if
// absent); extra tensors are an error. Generator states are read into rngs[i].state when present with
// exactly rngs[i].size bytes (*found_rngs counts them; may be NULL). Returns AE_OK; AE_ECONFIG for a
// malformed, truncated or mismatched file, or one holding a NaN or infinite F32 value (parameters and
// Adam moments alike), with a message naming the file and the tensor (and index) and what was expected
// (e.g. "tx.0.weight has shape [16, 8], the config needs [16, 16]", "rx.1.bias[3] is NaN"); AE_EIO if
// it cannot be read, or is not a regular file (a FIFO is refused without waiting for a writer). On
// error ae is left unchanged.
int sim_ckpt_load(const char *path, ae_model *ae, sim_ckpt_rng *rngs, size_t n_rngs, size_t *found_rngs);

// Read only the "__metadata__" value of `key` into buf (NUL-terminated, truncated to len). Returns AE_OK,
// AE_ECONFIG if the file is malformed or has no such key, AE_EIO if it cannot be read.
int sim_ckpt_metadata(const char *path, const char *key, char *buf, size_t len);

#endif
