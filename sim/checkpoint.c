// checkpoint.c - safetensors checkpoints of the autoencoder: writer, validating reader, metadata.
// See checkpoint.h for the file layout. Reading treats the file as hostile: every length, type, shape
// and offset is checked, the tensors must tile the data section exactly, and the model is modified
// only after the whole file has been validated.
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_err.h"
#include "fileio.h"

// Tensor bytes are written and read as the host stores them; safetensors is little-endian.
#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sim/checkpoint.c copies raw float32/int64 bytes and needs a little-endian host"
#endif
_Static_assert(sizeof(float) == 4, "checkpoints store float as IEEE binary32 (F32)");

enum {
    CKPT_NAME_MAX = 256, // longest tensor name accepted, in bytes (ours are < 40)
    CKPT_RANK_MAX = 8,   // most dimensions accepted in a shape (ours have 0..2)
    CKPT_SHOW_MAX = 64   // bytes of a hostile name quoted in a message
};
#define CKPT_FILE_MAX   ((uint64_t)1 << 30) // 1 GiB: far above any trainable model
#define CKPT_HEADER_MAX ((uint64_t)1 << 24) // 16 MiB of JSON; ours are a few KiB plus the config text

// The safetensors dtypes and their element sizes; only F32, I64 and U8 are used by aesim, the others
// are known so that a foreign file's tensors can be sized and reported by name.
static const struct {
    const char *name;
    size_t size;
} ckpt_dtypes[] = {{"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
                   {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
                   {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};
enum { CKPT_NDTYPES = sizeof ckpt_dtypes / sizeof ckpt_dtypes[0] };

static int dtype_index(const char *name)
{
    for (int i = 0; i < (int)CKPT_NDTYPES; i++)
        if (strcmp(ckpt_dtypes[i].name, name) == 0)
            return i;
    return -1;
}

// ---------------------------------------------------------------------------------------------
// the tensors a model has

enum ckpt_block { BLK_PARAMS, BLK_ADAM_M, BLK_ADAM_V, BLK_STEP };

// One tensor of the model: where it lives and what the file must say about it.
typedef struct ckpt_tensor {
    char name[CKPT_NAME_MAX];
    const char *dtype; // "F32" or "I64"
    size_t rank;       // 0..2
    uint64_t dims[2];  // shape
    int block;         // enum ckpt_block
    size_t off;        // float offset into the block (BLK_PARAMS, BLK_ADAM_*)
    size_t nbytes;     // bytes of data
    int required;      // 1 for the parameters, 0 for the Adam state
    const void *found; // load: its bytes inside the file buffer, NULL while absent
} ckpt_tensor;

static float *block_ptr(const ae_model *ae, int block)
{
    return block == BLK_ADAM_M ? ae->adam_m : block == BLK_ADAM_V ? ae->adam_v : ae->params;
}

// Fill t[] (capacity 6 * n_layers + 1) with the tensors of ae in file order: parameters, adam.m.*,
// adam.v.*, adam.step. Returns the count.
static size_t model_tensors(const ae_model *ae, ckpt_tensor *t)
{
    static const char *const prefix[] = {"", "adam.m.", "adam.v."};
    size_t n = 0;
    for (int b = BLK_PARAMS; b <= BLK_ADAM_V; b++) {
        for (size_t l = 0; l < ae->n_layers; l++) {
            const nn_dense_desc *d = &ae->layers[l];
            const char *side = l < ae->n_tx_layers ? "tx" : "rx";
            size_t idx = l < ae->n_tx_layers ? l : l - ae->n_tx_layers;
            for (int is_bias = 0; is_bias <= 1; is_bias++) {
                ckpt_tensor *x = &t[n++];
                memset(x, 0, sizeof *x);
                snprintf(x->name, sizeof x->name, "%s%s.%zu.%s", prefix[b], side, idx,
                         is_bias ? "bias" : "weight");
                x->dtype = "F32";
                x->block = b;
                x->required = b == BLK_PARAMS;
                x->rank = is_bias ? 1 : 2;
                x->dims[0] = d->out;
                x->dims[1] = is_bias ? 0 : d->in;
                x->off = is_bias ? d->b_off : d->w_off;
                x->nbytes = (is_bias ? d->out : d->out * d->in) * sizeof(float);
            }
        }
    }
    ckpt_tensor *s = &t[n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "adam.step");
    s->dtype = "I64";
    s->block = BLK_STEP;
    s->nbytes = sizeof(int64_t);
    return n;
}

// "[16, 8]" into buf.
static const char *shape_str(char *buf, size_t len, const uint64_t *dims, size_t rank)
{
    size_t used = (size_t)snprintf(buf, len, "[");
    for (size_t i = 0; i < rank && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%" PRIu64, i ? ", " : "", dims[i]);
    if (used < len)
        snprintf(buf + used, len - used, "]");
    return buf;
}

// A name from the file, safe to print: control bytes become '?', long names are cut with "...".
static const char *show_name(char *buf, size_t len, const char *name)
{
    size_t i = 0;
    for (; name[i] && i + 4 < len; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (name[i])
        memcpy(buf + i, "...", 4);
    else
        buf[i] = '\0';
    return buf;
}

// A valid generator name for "rng.<name>": letters, digits and '_', 1..64 bytes.
static int rng_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int rng_stored(const sim_ckpt_rng *r)
{
    return r->name && r->state && r->size > 0;
}

// ---------------------------------------------------------------------------------------------
// writing

// A metadata string; jansson only takes UTF-8, so other bytes of e.g. a Latin-1 config become '?'.
static json_t *meta_string(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

static json_t *tensor_entry(const char *dtype, const uint64_t *dims, size_t rank, uint64_t begin,
                            uint64_t end)
{
    json_t *shape = json_array();
    for (size_t i = 0; shape && i < rank; i++)
        if (json_array_append_new(shape, json_integer((json_int_t)dims[i])) != 0) {
            json_decref(shape);
            shape = NULL;
        }
    if (!shape)
        return NULL;
    return json_pack("{s:s, s:o, s:[I, I]}", "dtype", dtype, "shape", shape, "data_offsets",
                     (json_int_t)begin, (json_int_t)end);
}

// The JSON header of the file: tensors t[0..n) then rngs, laid out in that order from offset 0.
static json_t *build_header(const ckpt_tensor *t, size_t n, const sim_ckpt_rng *rngs, size_t n_rngs,
                            const char *system, const char *version, const char *config_text)
{
    json_t *root = json_object();
    json_t *meta = json_object();
    int bad = !root || !meta;
    uint64_t off = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        bad =
            json_object_set_new(root, t[i].name,
                                tensor_entry(t[i].dtype, t[i].dims, t[i].rank, off, off + t[i].nbytes)) != 0;
        off += t[i].nbytes;
    }
    for (size_t i = 0; i < n_rngs && !bad; i++) {
        if (!rng_stored(&rngs[i]))
            continue;
        char name[CKPT_NAME_MAX];
        snprintf(name, sizeof name, "rng.%s", rngs[i].name);
        uint64_t dims[1] = {rngs[i].size};
        bad = json_object_set_new(root, name, tensor_entry("U8", dims, 1, off, off + rngs[i].size)) != 0;
        off += rngs[i].size;
    }
    const char *keys[] = {"aesim_version", "system", "config"};
    const char *vals[] = {version, system, config_text};
    for (size_t i = 0; i < 3 && !bad; i++)
        if (vals[i])
            bad = json_object_set_new(meta, keys[i], meta_string(vals[i])) != 0;
    if (!bad) {
        bad = json_object_set_new(root, "__metadata__", meta) != 0;
        meta = NULL;
    }
    json_decref(meta);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int sim_ckpt_save(const char *path, const ae_model *ae, const sim_ckpt_rng *rngs, size_t n_rngs,
                  const char *system, const char *version, const char *config_text)
{
    if (!path || !ae)
        return AE_ERROR(AE_EINVAL, "sim_ckpt_save: path and model are required");
    if (ae->adam_step > (uint64_t)INT64_MAX)
        return AE_ERROR(AE_EINVAL, "cannot save %s: adam step %" PRIu64 " does not fit I64", path,
                        ae->adam_step);
    for (size_t i = 0; i < n_rngs; i++) {
        if (!rng_stored(&rngs[i]))
            continue;
        if (!rng_name_ok(rngs[i].name))
            return AE_ERROR(AE_EINVAL,
                            "cannot save %s: generator name \"%s\" is not 1..64 letters, digits or _", path,
                            rngs[i].name);
        for (size_t j = 0; j < i; j++)
            if (rng_stored(&rngs[j]) && strcmp(rngs[i].name, rngs[j].name) == 0)
                return AE_ERROR(AE_EINVAL, "cannot save %s: generator \"%s\" given twice", path,
                                rngs[i].name);
    }

    ckpt_tensor *t = malloc((6 * ae->n_layers + 1) * sizeof *t);
    if (!t)
        return AE_ERROR(AE_ENOMEM, "cannot save %s: out of memory", path);
    size_t n = model_tensors(ae, t);
    json_t *root = build_header(t, n, rngs, n_rngs, system, version, config_text);
    char *hdr = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (!hdr) {
        free(t);
        return AE_ERROR(AE_ENOMEM, "cannot save %s: out of memory building the header", path);
    }

    // header length rounded up to 8 so that the data section starts 8-byte aligned
    size_t hlen = strlen(hdr);
    size_t padded = (hlen + 7) / 8 * 8;
    unsigned char len_le[8];
    for (int i = 0; i < 8; i++)
        len_le[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    static const char spaces[8] = "       ";

    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK) {
        free(hdr);
        free(t);
        return rc;
    }
    errno = 0;
    int ok = fwrite(len_le, 1, 8, out.f) == 8 && fwrite(hdr, 1, hlen, out.f) == hlen &&
             fwrite(spaces, 1, padded - hlen, out.f) == padded - hlen;
    for (size_t i = 0; i < n && ok; i++) {
        if (t[i].block == BLK_STEP) {
            int64_t step = (int64_t)ae->adam_step;
            ok = fwrite(&step, sizeof step, 1, out.f) == 1;
        } else {
            ok = fwrite(block_ptr(ae, t[i].block) + t[i].off, 1, t[i].nbytes, out.f) == t[i].nbytes;
        }
    }
    for (size_t i = 0; i < n_rngs && ok; i++)
        if (rng_stored(&rngs[i]))
            ok = fwrite(rngs[i].state, 1, rngs[i].size, out.f) == rngs[i].size;
    free(hdr);
    free(t);
    if (!ok) {
        int err = errno ? errno : EIO;
        sim_file_abort(&out);
        return AE_ERROR(AE_EIO, "cannot save %s (write: %s); the previous file is unchanged", path,
                        strerror(err));
    }
    return sim_file_commit(&out);
}

// ---------------------------------------------------------------------------------------------
// reading

// One tensor entry of a file's header, validated for types, sizes and range.
typedef struct file_tensor {
    const char *name; // key in the parsed header
    int dtype;        // index into ckpt_dtypes
    size_t rank;
    uint64_t dims[CKPT_RANK_MAX];
    uint64_t begin, end; // byte range in the data section
} file_tensor;

// A checkpoint file read and structurally validated.
typedef struct ckpt_file {
    unsigned char *buf;        // the file (or, for header-only reads, its first 8 + hlen bytes)
    uint64_t size;             // file size
    uint64_t hlen;             // header length
    const unsigned char *data; // data section (NULL for header-only reads)
    uint64_t data_len;
    json_t *root;   // the header
    json_t *meta;   // its "__metadata__" object, or NULL
    file_tensor *t; // tensor entries
    size_t n;
} ckpt_file;

static void ckpt_file_free(ckpt_file *cf)
{
    free(cf->t);
    json_decref(cf->root);
    free(cf->buf);
    memset(cf, 0, sizeof *cf);
}

static int cmp_range(const void *a, const void *b)
{
    const file_tensor *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

// A JSON integer in [0, max] into *v.
static int get_uint(const json_t *j, uint64_t max, uint64_t *v)
{
    if (!json_is_integer(j))
        return 0;
    json_int_t x = json_integer_value(j);
    if (x < 0 || (uint64_t)x > max)
        return 0;
    *v = (uint64_t)x;
    return 1;
}

// Check one header entry "name": {"dtype", "shape", "data_offsets"} and fill ft.
static int parse_entry(const char *path, const char *name, const json_t *v, uint64_t data_len,
                       file_tensor *ft)
{
    char shown[CKPT_SHOW_MAX];
    show_name(shown, sizeof shown, name);
    if (strlen(name) >= CKPT_NAME_MAX)
        return AE_ERROR(AE_ECONFIG, "%s: tensor name \"%s\" is longer than %d bytes", path, shown,
                        CKPT_NAME_MAX - 1);
    if (!json_is_object(v))
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s is not a JSON object", path, shown);
    const char *key;
    const json_t *field;
    json_object_foreach((json_t *)v, key, field)
    {
        if (strcmp(key, "dtype") != 0 && strcmp(key, "shape") != 0 && strcmp(key, "data_offsets") != 0) {
            char k[CKPT_SHOW_MAX];
            return AE_ERROR(AE_ECONFIG, "%s: tensor %s has an unknown field \"%s\"", path, shown,
                            show_name(k, sizeof k, key));
        }
    }
    ft->name = name;

    const json_t *dt = json_object_get(v, "dtype");
    if (!json_is_string(dt))
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s has no dtype string", path, shown);
    ft->dtype = dtype_index(json_string_value(dt));
    if (ft->dtype < 0) {
        char d[CKPT_SHOW_MAX];
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s has unknown dtype \"%s\"", path, shown,
                        show_name(d, sizeof d, json_string_value(dt)));
    }

    const json_t *shape = json_object_get(v, "shape");
    if (!json_is_array(shape))
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s has no shape array", path, shown);
    ft->rank = json_array_size(shape);
    if (ft->rank > CKPT_RANK_MAX)
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s has %zu dimensions, at most %d are accepted", path, shown,
                        ft->rank, CKPT_RANK_MAX);
    // element count, then bytes, without overflow; anything beyond the data section is wrong anyway
    uint64_t count = 1;
    for (size_t i = 0; i < ft->rank; i++) {
        if (!get_uint(json_array_get(shape, i), UINT64_MAX, &ft->dims[i]))
            return AE_ERROR(AE_ECONFIG, "%s: tensor %s: shape entry %zu is not a non-negative integer", path,
                            shown, i);
        if (ft->dims[i] != 0 && count > UINT64_MAX / ft->dims[i])
            return AE_ERROR(AE_ECONFIG, "%s: tensor %s: the shape's element count overflows", path, shown);
        count *= ft->dims[i];
    }
    size_t esize = ckpt_dtypes[ft->dtype].size;
    if (count > UINT64_MAX / esize)
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s: the shape's byte count overflows", path, shown);
    uint64_t nbytes = count * esize;

    const json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !get_uint(json_array_get(offs, 0), UINT64_MAX, &ft->begin) ||
        !get_uint(json_array_get(offs, 1), UINT64_MAX, &ft->end))
        return AE_ERROR(AE_ECONFIG, "%s: tensor %s: data_offsets is not two non-negative integers", path,
                        shown);
    if (ft->begin > ft->end || ft->end > data_len)
        return AE_ERROR(AE_ECONFIG,
                        "%s: tensor %s: data_offsets [%" PRIu64 ", %" PRIu64
                        "] are out of range (the data section has %" PRIu64 " bytes: truncated?)",
                        path, shown, ft->begin, ft->end, data_len);
    if (ft->end - ft->begin != nbytes)
        return AE_ERROR(AE_ECONFIG,
                        "%s: tensor %s: data_offsets [%" PRIu64 ", %" PRIu64 "] span %" PRIu64
                        " bytes, its dtype and shape need %" PRIu64,
                        path, shown, ft->begin, ft->end, ft->end - ft->begin, nbytes);
    return AE_OK;
}

// Parse and check the header: an object of tensor entries plus an optional "__metadata__" object of
// strings; the entries' ranges must tile [0, data_len) exactly.
static int parse_header(const char *path, ckpt_file *cf)
{
    json_error_t jerr;
    cf->root = json_loadb((const char *)cf->buf + 8, (size_t)cf->hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!cf->root)
        return AE_ERROR(AE_ECONFIG, "%s: the header is not valid JSON (%s, at byte %d)", path, jerr.text,
                        jerr.position);
    if (!json_is_object(cf->root))
        return AE_ERROR(AE_ECONFIG, "%s: the header is not a JSON object", path);

    size_t count = json_object_size(cf->root);
    cf->t = calloc(count ? count : 1, sizeof *cf->t);
    if (!cf->t)
        return AE_ERROR(AE_ENOMEM, "%s: out of memory for %zu header entries", path, count);
    const char *name;
    json_t *v;
    json_object_foreach(cf->root, name, v)
    {
        if (strcmp(name, "__metadata__") == 0) {
            if (!json_is_object(v))
                return AE_ERROR(AE_ECONFIG, "%s: __metadata__ is not a JSON object", path);
            const char *mk;
            const json_t *mv;
            json_object_foreach(v, mk, mv)
            {
                if (!json_is_string(mv)) {
                    char k[CKPT_SHOW_MAX];
                    return AE_ERROR(AE_ECONFIG, "%s: __metadata__ value \"%s\" is not a string", path,
                                    show_name(k, sizeof k, mk));
                }
            }
            cf->meta = v;
            continue;
        }
        int rc = parse_entry(path, name, v, cf->data_len, &cf->t[cf->n]);
        if (rc != AE_OK)
            return rc;
        cf->n++;
    }

    // every byte of the data section belongs to exactly one tensor
    qsort(cf->t, cf->n, sizeof *cf->t, cmp_range);
    uint64_t cursor = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < cf->n; i++) {
        const file_tensor *ft = &cf->t[i];
        char a[CKPT_SHOW_MAX], b[CKPT_SHOW_MAX];
        if (ft->begin < cursor)
            return AE_ERROR(AE_ECONFIG, "%s: tensors %s and %s overlap in the data section", path,
                            show_name(a, sizeof a, prev), show_name(b, sizeof b, ft->name));
        if (ft->begin > cursor)
            return AE_ERROR(AE_ECONFIG,
                            "%s: bytes [%" PRIu64 ", %" PRIu64 ") of the data section belong to no tensor "
                            "(a gap before %s)",
                            path, cursor, ft->begin, show_name(b, sizeof b, ft->name));
        cursor = ft->end;
        prev = ft->name;
    }
    if (cursor != cf->data_len)
        return AE_ERROR(AE_ECONFIG,
                        "%s: bytes [%" PRIu64 ", %" PRIu64
                        ") at the end of the data section belong to no tensor",
                        path, cursor, cf->data_len);
    return AE_OK;
}

// Read path (the whole file, or only the length and header) and validate its structure.
static int ckpt_read(const char *path, int header_only, ckpt_file *cf)
{
    memset(cf, 0, sizeof *cf);
    if (!path)
        return AE_ERROR(AE_EINVAL, "checkpoint path is NULL");
    // O_NONBLOCK: opening a FIFO (or a device) returns at once instead of waiting for a writer; the
    // type is then refused before any byte is read
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return AE_ERROR(AE_EIO, "cannot read checkpoint %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return AE_ERROR(AE_EIO, "cannot read checkpoint %s: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return AE_ERROR(AE_EIO, "%s: not a regular file (%s); a checkpoint is a safetensors file", path,
                        S_ISDIR(st.st_mode)    ? "a folder"
                        : S_ISFIFO(st.st_mode) ? "a FIFO"
                        : S_ISSOCK(st.st_mode) ? "a socket"
                                               : "a device");
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int err = errno;
        close(fd);
        return AE_ERROR(AE_EIO, "cannot read checkpoint %s: %s", path, strerror(err));
    }
    cf->size = (uint64_t)st.st_size;
    if (cf->size > CKPT_FILE_MAX) {
        fclose(f);
        return AE_ERROR(AE_ECONFIG,
                        "%s: %" PRIu64 " bytes, more than the %" PRIu64 " bytes a checkpoint may have", path,
                        cf->size, CKPT_FILE_MAX);
    }
    if (cf->size < 8) {
        fclose(f);
        return AE_ERROR(AE_ECONFIG,
                        "%s: truncated: %" PRIu64
                        " bytes, not even the 8-byte header length of a safetensors file",
                        path, cf->size);
    }

    size_t want = header_only ? 8 : (size_t)cf->size;
    cf->buf = malloc(want);
    errno = 0;
    int ok = cf->buf && fread(cf->buf, 1, want, f) == want;
    if (ok) {
        for (int i = 7; i >= 0; i--)
            cf->hlen = cf->hlen << 8 | cf->buf[i];
        if (cf->hlen > cf->size - 8) {
            fclose(f);
            return AE_ERROR(AE_ECONFIG,
                            "%s: truncated or not a safetensors file: header length %" PRIu64
                            " but only %" PRIu64 " bytes follow",
                            path, cf->hlen, cf->size - 8);
        }
        if (cf->hlen > CKPT_HEADER_MAX) {
            fclose(f);
            return AE_ERROR(AE_ECONFIG,
                            "%s: header length %" PRIu64 " exceeds the %" PRIu64 " bytes accepted", path,
                            cf->hlen, CKPT_HEADER_MAX);
        }
    }
    if (ok && header_only) {
        unsigned char *grown = realloc(cf->buf, (size_t)(8 + cf->hlen));
        if (grown)
            cf->buf = grown;
        ok = grown && fread(cf->buf + 8, 1, (size_t)cf->hlen, f) == cf->hlen;
    }
    if (!ok) {
        int err = errno;
        int nomem = !cf->buf;
        fclose(f);
        if (nomem)
            return AE_ERROR(AE_ENOMEM, "%s: out of memory for %" PRIu64 " bytes", path, cf->size);
        return AE_ERROR(AE_EIO, "cannot read checkpoint %s: %s", path,
                        err ? strerror(err) : "the file changed while being read");
    }
    fclose(f);
    cf->data_len = cf->size - 8 - cf->hlen;
    cf->data = header_only ? NULL : cf->buf + 8 + cf->hlen;
    return parse_header(path, cf);
}

// The first non-finite float of a found F32 tensor, as an error naming the tensor and its index; AE_OK if
// every value is finite. A NaN or infinite parameter would be evaluated as if it were a model.
static int check_finite(const char *path, const ckpt_tensor *x)
{
    size_t count = x->nbytes / sizeof(float);
    const unsigned char *p = x->found;
    for (size_t i = 0; i < count; i++) {
        float v;
        memcpy(&v, p + i * sizeof v, sizeof v); // the data section need not be aligned
        if (isfinite(v))
            continue;
        char at[64];
        if (x->rank == 2)
            snprintf(at, sizeof at, "[%zu, %zu]", i / (size_t)x->dims[1], i % (size_t)x->dims[1]);
        else
            snprintf(at, sizeof at, "[%zu]", i);
        return AE_ERROR(AE_ECONFIG, "%s: %s%s is %s; a checkpoint must hold finite values", path, x->name, at,
                        isnan(v) ? "NaN"
                        : v > 0  ? "+Inf"
                                 : "-Inf");
    }
    return AE_OK;
}

// Match the file's tensors against the model's and the requested generators; on success t[i].found
// and rng_src[i] point at the bytes to copy.
static int match_tensors(const char *path, const ckpt_file *cf, ckpt_tensor *t, size_t n,
                         const sim_ckpt_rng *rngs, size_t n_rngs, const void **rng_src)
{
    char shown[CKPT_SHOW_MAX], want[96], have[96];
    for (size_t i = 0; i < cf->n; i++) {
        const file_tensor *ft = &cf->t[i];
        const char *dtype = ckpt_dtypes[ft->dtype].name;
        show_name(shown, sizeof shown, ft->name);
        if (strncmp(ft->name, "rng.", 4) == 0) {
            // generator states: U8 vectors; ones the caller did not ask for are ignored
            if (strcmp(dtype, "U8") != 0 || ft->rank != 1)
                return AE_ERROR(AE_ECONFIG,
                                "%s: %s has dtype %s and %zu dimensions, a generator state is U8 [bytes]",
                                path, shown, dtype, ft->rank);
            for (size_t r = 0; r < n_rngs; r++) {
                if (!rng_stored(&rngs[r]) || strcmp(ft->name + 4, rngs[r].name) != 0)
                    continue;
                if (ft->dims[0] != rngs[r].size)
                    return AE_ERROR(AE_ECONFIG,
                                    "%s: %s has %" PRIu64 " bytes, this generator's state has %zu", path,
                                    shown, ft->dims[0], rngs[r].size);
                rng_src[r] = cf->data + ft->begin;
            }
            continue;
        }
        ckpt_tensor *x = NULL;
        for (size_t j = 0; j < n && !x; j++)
            if (strcmp(t[j].name, ft->name) == 0)
                x = &t[j];
        if (!x)
            return AE_ERROR(AE_ECONFIG, "%s: unexpected tensor %s (not part of this model)", path, shown);
        if (strcmp(dtype, x->dtype) != 0)
            return AE_ERROR(AE_ECONFIG, "%s: %s has dtype %s, expected %s", path, shown, dtype, x->dtype);
        int same = ft->rank == x->rank;
        for (size_t d = 0; d < x->rank && same; d++)
            same = ft->dims[d] == x->dims[d];
        if (!same)
            return AE_ERROR(AE_ECONFIG, "%s: %s has shape %s, the config needs %s", path, shown,
                            shape_str(have, sizeof have, ft->dims, ft->rank),
                            shape_str(want, sizeof want, x->dims, x->rank));
        x->found = cf->data + ft->begin;
    }
    for (size_t j = 0; j < n; j++)
        if (t[j].required && !t[j].found)
            return AE_ERROR(AE_ECONFIG, "%s: missing tensor %s", path, t[j].name);
    for (size_t j = 0; j < n; j++) {
        int rc = t[j].found && t[j].block != BLK_STEP ? check_finite(path, &t[j]) : AE_OK;
        if (rc != AE_OK)
            return rc;
    }
    return AE_OK;
}

int sim_ckpt_load(const char *path, ae_model *ae, sim_ckpt_rng *rngs, size_t n_rngs, size_t *found_rngs)
{
    if (!ae)
        return AE_ERROR(AE_EINVAL, "sim_ckpt_load: model is NULL");
    ckpt_file cf;
    int rc = ckpt_read(path, 0, &cf);
    if (rc != AE_OK) {
        ckpt_file_free(&cf);
        return rc;
    }
    ckpt_tensor *t = malloc((6 * ae->n_layers + 1) * sizeof *t);
    const void **rng_src = calloc(n_rngs ? n_rngs : 1, sizeof *rng_src);
    if (!t || !rng_src) {
        rc = AE_ERROR(AE_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    size_t n = model_tensors(ae, t);
    rc = match_tensors(path, &cf, t, n, rngs, n_rngs, rng_src);
    int64_t step = 0;
    for (size_t j = 0; j < n && rc == AE_OK; j++)
        if (t[j].block == BLK_STEP && t[j].found) {
            memcpy(&step, t[j].found, sizeof step);
            if (step < 0)
                rc = AE_ERROR(AE_ECONFIG, "%s: adam.step is negative (%" PRId64 ")", path, step);
        }
    if (rc != AE_OK)
        goto done;

    // validated: now (and only now) change the model and the generators
    memset(ae->adam_m, 0, ae->n_params * sizeof(float));
    memset(ae->adam_v, 0, ae->n_params * sizeof(float));
    for (size_t j = 0; j < n; j++)
        if (t[j].block != BLK_STEP && t[j].found)
            memcpy(block_ptr(ae, t[j].block) + t[j].off, t[j].found, t[j].nbytes);
    ae->adam_step = (uint64_t)step;
    ae->codebook_ready = 0; // the codebook was made from the old weights
    ae_zero_grad(ae);
    size_t found = 0;
    for (size_t r = 0; r < n_rngs; r++)
        if (rng_src[r]) {
            memcpy(rngs[r].state, rng_src[r], rngs[r].size);
            found++;
        }
    if (found_rngs)
        *found_rngs = found;
done:
    free(rng_src);
    free(t);
    ckpt_file_free(&cf);
    return rc;
}

int sim_ckpt_metadata(const char *path, const char *key, char *buf, size_t len)
{
    if (!key || !buf || len == 0)
        return AE_ERROR(AE_EINVAL, "sim_ckpt_metadata: key and a non-empty buffer are required");
    ckpt_file cf;
    int rc = ckpt_read(path, 1, &cf);
    if (rc == AE_OK) {
        const json_t *v = cf.meta ? json_object_get(cf.meta, key) : NULL;
        if (v)
            snprintf(buf, len, "%s", json_string_value(v));
        else
            rc = AE_ERROR(AE_ECONFIG, "%s: no metadata \"%s\"", path, key);
    }
    ckpt_file_free(&cf);
    return rc;
}
