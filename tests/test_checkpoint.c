// test_checkpoint.c - safetensors checkpoints: round trip, the exact file layout, an independent
// Python reader, a file written elsewhere, rejection of malformed files (model left unchanged), and
// a failed write that keeps the previous file.
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>

#include "ae.h"
#include "ae_err.h"
#include "checkpoint.h"
#include "fault.h"
#include "rng.h"

#include "test_util.h"

// ---------------------------------------------------------------------------------------------
// helpers

TestSuite(checkpoint, .fini = test_cleanup);

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

// k = 3, n = 4 with hidden widths tx_h and rx_h: with 5 and 6 no weight is square, so a transposed
// shape cannot pass for the right one.
static ae_cfg small_cfg(size_t tx_h, size_t rx_h)
{
    ae_cfg c;
    ae_cfg_default(&c, 3, 4);
    c.tx_hidden[0] = tx_h;
    c.rx_hidden[0] = rx_h;
    return c;
}

// A created, initialised model with non-trivial Adam state (all values depend on seed).
static ae_model *make_model(const ae_cfg *c, uint64_t seed)
{
    ae_model *ae = ae_create(c);
    cr_assert(ae, "ae_create: %s", ae_err_message());
    gsl_rng *r = sim_rng_alloc();
    cr_assert(r, "sim_rng_alloc: %s", ae_err_message());
    sim_rng_seed(r, seed);
    ae_init(ae, r);
    for (size_t i = 0; i < ae->n_params; i++) {
        ae->adam_m[i] = (float)(0.01 * sin(1.7 * (double)i + (double)seed));
        ae->adam_v[i] = (float)(1e-4 * gsl_rng_uniform_pos(r));
    }
    ae->adam_step = 17;
    gsl_rng_free(r);
    return ae;
}

// The whole file at path, which must exist (its length in *len).
static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *b = (unsigned char *)read_bytes(path, len);
    cr_assert(b, "cannot open %s", path);
    return b;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

// A safetensors file from header text and data, the length written by hand.
static void write_raw(const char *path, const char *hdr, size_t hlen, const void *data, size_t dlen)
{
    unsigned char *b = malloc(8 + hlen + dlen + 1);
    cr_assert(b);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(b + 8, hdr, hlen);
    if (dlen)
        memcpy(b + 8 + hlen, data, dlen);
    write_bytes(path, b, 8 + hlen + dlen);
    free(b);
}

static void write_json(const char *path, const json_t *hdr, const void *data, size_t dlen)
{
    char *s = json_dumps(hdr, JSON_COMPACT);
    cr_assert(s);
    write_raw(path, s, strlen(s), data, dlen);
    free(s);
}

// The header of a file and (via *data, *dlen) its data section, which points into *buf.
static json_t *read_header(const char *path, unsigned char **buf, const unsigned char **data, size_t *dlen)
{
    size_t len;
    *buf = slurp(path, &len);
    cr_assert_geq(len, 8);
    uint64_t h = le64(*buf);
    cr_assert_leq(h, len - 8);
    json_error_t err;
    json_t *root = json_loadb((const char *)*buf + 8, h, JSON_REJECT_DUPLICATES, &err);
    cr_assert(root, "header of %s is not JSON: %s", path, err.text);
    *data = *buf + 8 + h;
    *dlen = len - 8 - h;
    return root;
}

// What the model should hold, to check a failed load changed nothing.
typedef struct snap {
    float *p, *m, *v;
    uint64_t step;
} snap;

static snap take(const ae_model *ae)
{
    snap s = {malloc(ae->n_params * 4), malloc(ae->n_params * 4), malloc(ae->n_params * 4), ae->adam_step};
    cr_assert(s.p && s.m && s.v);
    memcpy(s.p, ae->params, ae->n_params * 4);
    memcpy(s.m, ae->adam_m, ae->n_params * 4);
    memcpy(s.v, ae->adam_v, ae->n_params * 4);
    return s;
}

static void check_same(const ae_model *ae, const snap *s)
{
    cr_assert(memcmp(s->p, ae->params, ae->n_params * 4) == 0, "parameters changed");
    cr_assert(memcmp(s->m, ae->adam_m, ae->n_params * 4) == 0, "adam m changed");
    cr_assert(memcmp(s->v, ae->adam_v, ae->n_params * 4) == 0, "adam v changed");
    cr_assert_eq(s->step, ae->adam_step, "adam step changed");
}

static void snap_free(snap *s)
{
    free(s->p);
    free(s->m);
    free(s->v);
}

// Loading path into ae fails with `code`, a message naming the file and containing what1 and what2
// (either may be NULL), and leaves the model and the generator buffer alone.
static void expect_reject(const char *path, ae_model *ae, int code, const char *what1, const char *what2)
{
    snap s = take(ae);
    unsigned char state[24], before[24];
    for (size_t i = 0; i < sizeof state; i++)
        state[i] = before[i] = (unsigned char)(0xA5 ^ i);
    sim_ckpt_rng r = {"train_msg", state, sizeof state};
    size_t found = 99;
    ae_err_clear();
    int rc = sim_ckpt_load(path, ae, &r, 1, &found);
    const char *msg = ae_err_message();
    cr_assert_eq(rc, code, "load of %s returned %d, expected %d (%s)", path, rc, code, msg);
    cr_assert(strstr(msg, path), "message \"%s\" does not name the file %s", msg, path);
    cr_assert(!what1 || strstr(msg, what1), "message \"%s\" lacks \"%s\"", msg, what1);
    cr_assert(!what2 || strstr(msg, what2), "message \"%s\" lacks \"%s\"", msg, what2);
    check_same(ae, &s);
    cr_assert(memcmp(state, before, sizeof state) == 0, "generator state changed");
    cr_assert_eq(found, 99, "found_rngs written on failure");
    snap_free(&s);
}

// One tensor as an independent writer would list it.
typedef struct tdesc {
    char name[64];
    const char *dtype;
    size_t rank;
    json_int_t shape[2];
    const void *data;
    size_t nbytes;
} tdesc;

// The model's parameter tensors in PyTorch state_dict naming (W (out, in) row-major, then b).
static size_t param_tdescs(const ae_model *ae, tdesc *t)
{
    size_t n = 0;
    for (size_t l = 0; l < ae->n_layers; l++) {
        const nn_dense_desc *d = &ae->layers[l];
        int tx = l < ae->n_tx_layers;
        size_t i = tx ? l : l - ae->n_tx_layers;
        t[n] = (tdesc){.dtype = "F32",
                       .rank = 2,
                       .shape = {(json_int_t)d->out, (json_int_t)d->in},
                       .data = ae->params + d->w_off,
                       .nbytes = d->out * d->in * 4};
        snprintf(t[n++].name, 64, "%s.%zu.weight", tx ? "tx" : "rx", i);
        t[n] = (tdesc){.dtype = "F32",
                       .rank = 1,
                       .shape = {(json_int_t)d->out},
                       .data = ae->params + d->b_off,
                       .nbytes = d->out * 4};
        snprintf(t[n++].name, 64, "%s.%zu.bias", tx ? "tx" : "rx", i);
    }
    return n;
}

// Header JSON for t[0..n) laid out contiguously in that order; *data gets the concatenated bytes.
static json_t *layout(const tdesc *t, size_t n, unsigned char **data, size_t *dlen)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += t[i].nbytes;
    *data = malloc(total + 1);
    cr_assert(*data);
    json_t *root = json_object();
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *shape = json_array();
        for (size_t d = 0; d < t[i].rank; d++)
            json_array_append_new(shape, json_integer(t[i].shape[d]));
        json_object_set_new(root, t[i].name,
                            json_pack("{s:s, s:o, s:[I, I]}", "dtype", t[i].dtype, "shape", shape,
                                      "data_offsets", (json_int_t)off, (json_int_t)(off + t[i].nbytes)));
        memcpy(*data + off, t[i].data, t[i].nbytes);
        off += t[i].nbytes;
    }
    *dlen = total;
    return root;
}

static void set_offsets(json_t *root, const char *name, json_int_t begin, json_int_t end)
{
    json_t *t = json_object_get(root, name);
    cr_assert(t, "no %s", name);
    json_object_set_new(t, "data_offsets", json_pack("[I, I]", begin, end));
}

// Saved file of a (5, 6)-hidden model, seed 1, with one generator state; returns the model.
static ae_model *saved_model(const char *path)
{
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 1);
    unsigned char st[24];
    for (size_t i = 0; i < sizeof st; i++)
        st[i] = (unsigned char)(3 * i + 1);
    sim_ckpt_rng r = {"train_msg", st, sizeof st};
    int rc = sim_ckpt_save(path, ae, &r, 1, "ae_7_4", "0.1.0", "k = 3;\n");
    cr_assert_eq(rc, AE_OK, "save: %s", ae_err_message());
    return ae;
}

// ---------------------------------------------------------------------------------------------
// round trip and layout

Test(checkpoint, round_trip_restores_everything)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ae_cfg c = small_cfg(5, 6);
    ae_model *a = make_model(&c, 11);
    gsl_rng *r1 = sim_rng_alloc(), *r2 = sim_rng_alloc();
    cr_assert(r1 && r2);
    sim_rng_seed(r1, 101);
    sim_rng_seed(r2, 202);
    for (int i = 0; i < 37; i++)
        gsl_rng_get(r1);
    sim_ckpt_rng rngs[2] = {{"train_msg", gsl_rng_state(r1), gsl_rng_size(r1)},
                            {"train_noise", gsl_rng_state(r2), gsl_rng_size(r2)}};
    cr_assert_eq(sim_ckpt_save(path, a, rngs, 2, "ae_3_4", "0.1.0", "cfg"), AE_OK, "%s", ae_err_message());

    ae_model *b = make_model(&c, 99); // different weights, moments; step 17 too, so change it
    b->adam_step = 3;
    cr_assert(memcmp(a->params, b->params, a->n_params * 4) != 0);
    cr_assert_eq(ae_eval_prepare(b), AE_OK);
    gsl_rng *q1 = sim_rng_alloc(), *q2 = sim_rng_alloc(), *q3 = sim_rng_alloc();
    cr_assert(q1 && q2 && q3);
    sim_rng_seed(q1, 7);
    sim_rng_seed(q2, 8);
    sim_rng_seed(q3, 9);
    unsigned char fade_before[64];
    memcpy(fade_before, gsl_rng_state(q3), gsl_rng_size(q3));
    sim_ckpt_rng back[3] = {{"train_msg", gsl_rng_state(q1), gsl_rng_size(q1)},
                            {"train_noise", gsl_rng_state(q2), gsl_rng_size(q2)},
                            {"train_fade", gsl_rng_state(q3), gsl_rng_size(q3)}};
    size_t found = 0;
    cr_assert_eq(sim_ckpt_load(path, b, back, 3, &found), AE_OK, "%s", ae_err_message());

    cr_assert_eq(b->n_params, a->n_params);
    cr_assert(memcmp(a->params, b->params, a->n_params * 4) == 0, "parameters differ");
    cr_assert(memcmp(a->adam_m, b->adam_m, a->n_params * 4) == 0, "adam m differs");
    cr_assert(memcmp(a->adam_v, b->adam_v, a->n_params * 4) == 0, "adam v differs");
    cr_assert_eq(b->adam_step, 17);
    cr_assert_eq(found, 2);
    cr_assert(memcmp(gsl_rng_state(r1), gsl_rng_state(q1), gsl_rng_size(r1)) == 0);
    cr_assert(memcmp(gsl_rng_state(r2), gsl_rng_state(q2), gsl_rng_size(r2)) == 0);
    cr_assert(memcmp(gsl_rng_state(q3), fade_before, gsl_rng_size(q3)) == 0, "absent generator touched");
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(gsl_rng_get(r1), gsl_rng_get(q1));
        cr_assert_eq(gsl_rng_get(r2), gsl_rng_get(q2));
    }
    cr_assert_eq(b->codebook_ready, 0, "codebook of the old weights still marked ready");
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    gsl_rng_free(q1);
    gsl_rng_free(q2);
    gsl_rng_free(q3);
    ae_destroy(a);
    ae_destroy(b);
    remove_tmpdir(dir);
}

Test(checkpoint, file_layout_is_safetensors)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 5);
    unsigned char s1[24], s2[12];
    for (size_t i = 0; i < sizeof s1; i++)
        s1[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < sizeof s2; i++)
        s2[i] = (unsigned char)(200 - i);
    sim_ckpt_rng rngs[2] = {{"train_msg", s1, sizeof s1}, {"train_noise", s2, sizeof s2}};
    const char *cfg_text = "system = \"ae\";\n# \"quoted\" \\ back\tslash, caf\xc3\xa9\n";
    cr_assert_eq(sim_ckpt_save(path, ae, rngs, 2, "ae_3_4", "9.8.7", cfg_text), AE_OK, "%s",
                 ae_err_message());

    size_t len;
    unsigned char *buf = slurp(path, &len);
    uint64_t h = le64(buf);
    cr_assert_eq((8 + h) % 8, 0, "data section not 8-byte aligned");
    cr_assert_leq(h, len - 8);
    cr_assert_eq(buf[8], '{');
    json_error_t err;
    json_t *root = json_loadb((const char *)buf + 8, h, JSON_REJECT_DUPLICATES, &err);
    cr_assert(root, "header: %s", err.text);
    const unsigned char *data = buf + 8 + h;
    size_t dlen = len - 8 - h;

    // every tensor, its dtype, shape (out, in) and bytes
    struct {
        const char *name;
        size_t rank, d0, d1;
        size_t layer;
        int bias;
    } want[] = {{"tx.0.weight", 2, 5, 8, 0, 0}, {"tx.0.bias", 1, 5, 0, 0, 1},
                {"tx.1.weight", 2, 4, 5, 1, 0}, {"tx.1.bias", 1, 4, 0, 1, 1},
                {"rx.0.weight", 2, 6, 4, 2, 0}, {"rx.0.bias", 1, 6, 0, 2, 1},
                {"rx.1.weight", 2, 8, 6, 3, 0}, {"rx.1.bias", 1, 8, 0, 3, 1}};
    const char *prefix[3] = {"", "adam.m.", "adam.v."};
    const float *blocks[3] = {ae->params, ae->adam_m, ae->adam_v};
    size_t ranges[64][2], n_ranges = 0;
    for (int b = 0; b < 3; b++) {
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s", prefix[b], want[i].name);
            json_t *t = json_object_get(root, name);
            cr_assert(json_is_object(t), "no tensor %s", name);
            cr_assert_str_eq(json_string_value(json_object_get(t, "dtype")), "F32", "%s dtype", name);
            json_t *shape = json_object_get(t, "shape");
            cr_assert_eq(json_array_size(shape), want[i].rank, "%s rank", name);
            cr_assert_eq(json_integer_value(json_array_get(shape, 0)), (json_int_t)want[i].d0, "%s dim 0",
                         name);
            if (want[i].rank == 2)
                cr_assert_eq(json_integer_value(json_array_get(shape, 1)), (json_int_t)want[i].d1, "%s dim 1",
                             name);
            json_t *off = json_object_get(t, "data_offsets");
            size_t begin = (size_t)json_integer_value(json_array_get(off, 0));
            size_t end = (size_t)json_integer_value(json_array_get(off, 1));
            const nn_dense_desc *d = &ae->layers[want[i].layer];
            size_t count = want[i].bias ? d->out : d->out * d->in;
            cr_assert_eq(end - begin, count * 4, "%s byte count", name);
            cr_assert_leq(end, dlen);
            const float *src = blocks[b] + (want[i].bias ? d->b_off : d->w_off);
            cr_assert(memcmp(data + begin, src, count * 4) == 0, "%s bytes differ from the model", name);
            ranges[n_ranges][0] = begin;
            ranges[n_ranges++][1] = end;
        }
    }
    json_t *step = json_object_get(root, "adam.step");
    cr_assert_str_eq(json_string_value(json_object_get(step, "dtype")), "I64");
    cr_assert(json_is_array(json_object_get(step, "shape")));
    cr_assert_eq(json_array_size(json_object_get(step, "shape")), 0);
    size_t sb = (size_t)json_integer_value(json_array_get(json_object_get(step, "data_offsets"), 0));
    size_t se = (size_t)json_integer_value(json_array_get(json_object_get(step, "data_offsets"), 1));
    cr_assert_eq(se - sb, 8);
    int64_t stepv;
    memcpy(&stepv, data + sb, 8);
    cr_assert_eq(stepv, 17);
    ranges[n_ranges][0] = sb;
    ranges[n_ranges++][1] = se;
    const char *rn[2] = {"rng.train_msg", "rng.train_noise"};
    for (int i = 0; i < 2; i++) {
        json_t *t = json_object_get(root, rn[i]);
        cr_assert(t, "no %s", rn[i]);
        cr_assert_str_eq(json_string_value(json_object_get(t, "dtype")), "U8");
        cr_assert_eq(json_integer_value(json_array_get(json_object_get(t, "shape"), 0)),
                     (json_int_t)rngs[i].size);
        size_t b0 = (size_t)json_integer_value(json_array_get(json_object_get(t, "data_offsets"), 0));
        size_t b1 = (size_t)json_integer_value(json_array_get(json_object_get(t, "data_offsets"), 1));
        cr_assert_eq(b1 - b0, rngs[i].size);
        cr_assert(memcmp(data + b0, rngs[i].state, rngs[i].size) == 0, "%s bytes", rn[i]);
        ranges[n_ranges][0] = b0;
        ranges[n_ranges++][1] = b1;
    }
    // nothing else, and the ranges tile the data section: sort by begin, then walk
    cr_assert_eq(json_object_size(root), n_ranges + 1, "unexpected extra keys in the header");
    for (size_t i = 1; i < n_ranges; i++)
        for (size_t j = i; j > 0 && ranges[j][0] < ranges[j - 1][0]; j--) {
            size_t t0 = ranges[j][0], t1 = ranges[j][1];
            ranges[j][0] = ranges[j - 1][0];
            ranges[j][1] = ranges[j - 1][1];
            ranges[j - 1][0] = t0;
            ranges[j - 1][1] = t1;
        }
    size_t cursor = 0;
    for (size_t i = 0; i < n_ranges; i++) {
        cr_assert_eq(ranges[i][0], cursor, "gap or overlap at byte %zu", cursor);
        cursor = ranges[i][1];
    }
    cr_assert_eq(cursor, dlen, "data section has %zu bytes, tensors cover %zu", dlen, cursor);

    json_t *meta = json_object_get(root, "__metadata__");
    cr_assert(json_is_object(meta));
    cr_assert_str_eq(json_string_value(json_object_get(meta, "aesim_version")), "9.8.7");
    cr_assert_str_eq(json_string_value(json_object_get(meta, "system")), "ae_3_4");
    cr_assert_str_eq(json_string_value(json_object_get(meta, "config")), cfg_text);

    // sim_ckpt_metadata reads the same values, truncating to the buffer
    char small[4], text[256];
    cr_assert_eq(sim_ckpt_metadata(path, "config", text, sizeof text), AE_OK, "%s", ae_err_message());
    cr_assert_str_eq(text, cfg_text);
    cr_assert_eq(sim_ckpt_metadata(path, "system", small, sizeof small), AE_OK);
    cr_assert_str_eq(small, "ae_");
    cr_assert_eq(sim_ckpt_metadata(path, "seed", text, sizeof text), AE_ECONFIG);
    cr_assert(strstr(ae_err_message(), "seed") && strstr(ae_err_message(), path));

    json_decref(root);
    free(buf);
    ae_destroy(ae);
    remove_tmpdir(dir);
}

// An independent reader: Python's json and numpy, nothing shared with the C code.
static const char *py_reader = "import json, struct, sys\n"
                               "import numpy as np\n"
                               "b = open(sys.argv[1], 'rb').read()\n"
                               "n = struct.unpack('<Q', b[:8])[0]\n"
                               "h = json.loads(b[8:8 + n].decode('utf-8'))\n"
                               "d = b[8 + n:]\n"
                               "dt = {'F32': '<f4', 'I64': '<i8', 'U8': 'u1'}\n"
                               "meta = h.pop('__metadata__')\n"
                               "for name in sorted(h):\n"
                               "    t = h[name]\n"
                               "    a, e = t['data_offsets']\n"
                               "    x = np.frombuffer(d[a:e], dtype=dt[t['dtype']]).reshape(t['shape'])\n"
                               "    assert list(x.shape) == t['shape']\n"
                               "    corner = x[-1, 0] if x.ndim == 2 else x.reshape(-1)[-1]\n"
                               "    print(name, t['dtype'], 'x'.join(map(str, t['shape'])) or '-',\n"
                               "          repr(float(x.astype(np.float64).sum())), repr(float(corner)))\n"
                               "print('meta', meta['system'], meta['aesim_version'])\n";

Test(checkpoint, python_numpy_reader_agrees)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
        cr_skip_test("/usr/bin/python3 with numpy is not available (Debian: python3-numpy)");
    char dir[64], path[128], script[128], cmd[512];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(script, sizeof script, "%s/reader.py", dir);
    write_bytes(script, py_reader, strlen(py_reader));
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 3);
    unsigned char st[6] = {1, 2, 3, 250, 251, 252};
    sim_ckpt_rng r = {"train_msg", st, sizeof st};
    cr_assert_eq(sim_ckpt_save(path, ae, &r, 1, "ae_3_4", "0.1.0", NULL), AE_OK, "%s", ae_err_message());

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", script, path);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char line[512];
    size_t n_lines = 0, n_checked = 0;
    int saw_meta = 0;
    while (fgets(line, sizeof line, p)) {
        n_lines++;
        char name[64], dtype[8], shape[32];
        double sum, corner;
        if (strncmp(line, "meta ", 5) == 0) {
            cr_assert_str_eq(line, "meta ae_3_4 0.1.0\n");
            saw_meta = 1;
            continue;
        }
        cr_assert_eq(sscanf(line, "%63s %7s %31s %lf %lf", name, dtype, shape, &sum, &corner), 5, "line: %s",
                     line);
        if (strcmp(name, "adam.step") == 0) {
            cr_assert_str_eq(dtype, "I64");
            cr_assert_str_eq(shape, "-");
            cr_assert_eq(sum, 17.0);
            n_checked++;
            continue;
        }
        if (strcmp(name, "rng.train_msg") == 0) {
            cr_assert_str_eq(dtype, "U8");
            cr_assert_str_eq(shape, "6");
            cr_assert_eq(sum, 1 + 2 + 3 + 250 + 251 + 252);
            cr_assert_eq(corner, 252);
            n_checked++;
            continue;
        }
        // a parameter or moment tensor: find its layer, block and kind from the name
        const char *base = name;
        const float *block = ae->params;
        if (strncmp(base, "adam.m.", 7) == 0) {
            block = ae->adam_m;
            base += 7;
        } else if (strncmp(base, "adam.v.", 7) == 0) {
            block = ae->adam_v;
            base += 7;
        }
        char side[3];
        size_t idx;
        char kind[8];
        cr_assert_eq(sscanf(base, "%2[a-z].%zu.%7s", side, &idx, kind), 3, "name %s", name);
        size_t l = strcmp(side, "tx") == 0 ? idx : ae->n_tx_layers + idx;
        cr_assert_lt(l, ae->n_layers);
        const nn_dense_desc *d = &ae->layers[l];
        int bias = strcmp(kind, "bias") == 0;
        char want_shape[32];
        if (bias)
            snprintf(want_shape, sizeof want_shape, "%zu", d->out);
        else
            snprintf(want_shape, sizeof want_shape, "%zux%zu", d->out, d->in);
        cr_assert_str_eq(dtype, "F32", "%s", name);
        cr_assert_str_eq(shape, want_shape, "%s", name);
        const float *x = block + (bias ? d->b_off : d->w_off);
        size_t count = bias ? d->out : d->out * d->in;
        double s = 0;
        for (size_t i = 0; i < count; i++)
            s += x[i];
        double want_corner = bias ? x[d->out - 1] : x[(d->out - 1) * d->in]; // W[out-1][0]
        cr_assert(fabs(s - sum) <= 1e-4 * (1 + fabs(s)), "%s: python sum %g, C sum %g", name, sum, s);
        cr_assert(fabs(want_corner - corner) <= 1e-6 * (1 + fabs(want_corner)), "%s: corner %g vs %g", name,
                  corner, want_corner);
        n_checked++;
    }
    int status = pclose(p);
    cr_assert_eq(status, 0, "python reader failed (status %d)", status);
    cr_assert(saw_meta);
    cr_assert_eq(n_checked, 3 * 8 + 2, "python saw %zu tensors", n_checked);
    cr_assert_eq(n_lines, n_checked + 1);
    ae_destroy(ae);
    remove_tmpdir(dir);
}

Test(checkpoint, loads_a_file_written_elsewhere)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/foreign.safetensors", dir);
    ae_cfg c = small_cfg(5, 6);
    ae_model *src = make_model(&c, 21);
    tdesc t[8];
    size_t n = param_tdescs(src, t);
    cr_assert_eq(n, 8);
    // another writer's order: decoder first, biases before weights
    const int order[8] = {7, 6, 5, 4, 1, 0, 3, 2};
    char hdr[4096];
    size_t used = (size_t)snprintf(hdr, sizeof hdr, "{\n  \"__metadata__\" : { \"format\" : \"pt\" },\n");
    unsigned char data[4096];
    size_t off = 0;
    for (int i = 0; i < 8; i++) {
        const tdesc *x = &t[order[i]];
        char shape[32];
        if (x->rank == 2)
            snprintf(shape, sizeof shape, "[ %lld , %lld ]", (long long)x->shape[0], (long long)x->shape[1]);
        else
            snprintf(shape, sizeof shape, "[%lld]", (long long)x->shape[0]);
        used += (size_t)snprintf(
            hdr + used, sizeof hdr - used,
            "  \"%s\": {\"data_offsets\": [%zu, %zu],\t\"shape\": %s, \"dtype\": \"F32\"}%s\n", x->name, off,
            off + x->nbytes, shape, i < 7 ? "," : "");
        cr_assert_lt(off + x->nbytes, sizeof data);
        memcpy(data + off, x->data, x->nbytes);
        off += x->nbytes;
    }
    used += (size_t)snprintf(hdr + used, sizeof hdr - used, "}   ");
    cr_assert_lt(used, sizeof hdr);
    write_raw(path, hdr, used, data, off);

    ae_model *dst = make_model(&c, 22);
    cr_assert_eq(sim_ckpt_load(path, dst, NULL, 0, NULL), AE_OK, "%s", ae_err_message());
    cr_assert(memcmp(src->params, dst->params, src->n_params * 4) == 0, "parameters differ");
    for (size_t i = 0; i < dst->n_params; i++) {
        cr_assert_eq(dst->adam_m[i], 0.0f, "absent adam.m not zeroed");
        cr_assert_eq(dst->adam_v[i], 0.0f, "absent adam.v not zeroed");
    }
    cr_assert_eq(dst->adam_step, 0, "absent adam.step not zeroed");
    char meta[16];
    cr_assert_eq(sim_ckpt_metadata(path, "format", meta, sizeof meta), AE_OK, "%s", ae_err_message());
    cr_assert_str_eq(meta, "pt");
    ae_destroy(src);
    ae_destroy(dst);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// malformed files: the right code, a message naming file and problem, the model unchanged

Test(checkpoint, missing_file_is_eio)
{
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    expect_reject("/nonexistent/aesim/none.safetensors", ae, AE_EIO, "No such file", NULL);
    char meta[8];
    cr_assert_eq(sim_ckpt_metadata("/nonexistent/aesim/none.safetensors", "system", meta, sizeof meta),
                 AE_EIO);
    ae_destroy(ae);
}

Test(checkpoint, truncated_files_are_rejected)
{
    char dir[64], path[128], cut[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(cut, sizeof cut, "%s/cut.safetensors", dir);
    ae_model *src = saved_model(path);
    size_t len;
    unsigned char *buf = slurp(path, &len);
    size_t h = (size_t)le64(buf);
    size_t cuts[] = {0, 4, 7, 8, 8 + h / 2, 8 + h - 1, 8 + h, 8 + h + (len - 8 - h) / 2, len - 1};
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_bytes(cut, buf, cuts[i]);
        expect_reject(cut, ae, AE_ECONFIG, NULL, NULL);
    }
    // the uncut file is fine
    cr_assert_eq(sim_ckpt_load(path, ae, NULL, 0, NULL), AE_OK, "%s", ae_err_message());
    free(buf);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, header_length_beyond_the_file)
{
    char dir[64], path[128], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_model *src = saved_model(path);
    size_t len;
    unsigned char *buf = slurp(path, &len);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    uint64_t lens[] = {UINT64_MAX, (uint64_t)1 << 63, len - 8 + 1, (uint64_t)1 << 40};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (int b = 0; b < 8; b++)
            buf[b] = (unsigned char)(lens[i] >> (8 * b));
        write_bytes(bad, buf, len);
        expect_reject(bad, ae, AE_ECONFIG, "header length", NULL);
    }
    free(buf);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, header_not_a_json_object)
{
    char dir[64], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    const char *texts[] = {
        "this is not json",     "{\"tx.0.weight\": ", "", "        ", "[1, 2]", "\"str\"", "42", "{}{}",
        "{\"a\": \"\xff\xfe\"}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        write_raw(bad, texts[i], strlen(texts[i]), "abcd", 4);
        expect_reject(bad, ae, AE_ECONFIG, "JSON", NULL);
    }
    ae_destroy(ae);
    remove_tmpdir(dir);
}

Test(checkpoint, wrong_dtype_is_named)
{
    char dir[64], path[128], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_model *src = saved_model(path);
    unsigned char *buf;
    const unsigned char *data;
    size_t dlen;
    json_t *root = read_header(path, &buf, &data, &dlen);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    // I32 has F32's size, so only the dtype is wrong
    json_object_set_new(json_object_get(root, "tx.1.weight"), "dtype", json_string("I32"));
    write_json(bad, root, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "tx.1.weight has dtype I32", "F32");
    json_object_set_new(json_object_get(root, "tx.1.weight"), "dtype", json_string("F32"));
    json_object_set_new(json_object_get(root, "adam.step"), "dtype", json_string("F64"));
    write_json(bad, root, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "adam.step has dtype F64", "I64");
    json_object_set_new(json_object_get(root, "adam.step"), "dtype", json_string("Q7"));
    write_json(bad, root, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "unknown dtype", "Q7");
    json_decref(root);
    free(buf);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, wrong_shape_names_tensor_and_both_shapes)
{
    char dir[64], path[128], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_model *src = saved_model(path); // encoder hidden width 5
    // a model of another config: encoder hidden width 6
    ae_cfg c6 = small_cfg(6, 6);
    ae_model *other = make_model(&c6, 2);
    expect_reject(path, other, AE_ECONFIG, "tx.0.weight has shape [5, 8]", "the config needs [6, 8]");
    // the same config but a transposed weight (same byte count)
    unsigned char *buf;
    const unsigned char *data;
    size_t dlen;
    json_t *root = read_header(path, &buf, &data, &dlen);
    json_object_set_new(json_object_get(root, "rx.0.weight"), "shape", json_pack("[i, i]", 4, 6));
    write_json(bad, root, data, dlen);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    expect_reject(bad, ae, AE_ECONFIG, "rx.0.weight has shape [4, 6]", "the config needs [6, 4]");
    // a flattened weight
    json_object_set_new(json_object_get(root, "rx.0.weight"), "shape", json_pack("[i]", 24));
    write_json(bad, root, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "rx.0.weight has shape [24]", "[6, 4]");
    json_decref(root);
    free(buf);
    ae_destroy(ae);
    ae_destroy(other);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, offsets_out_of_range)
{
    char dir[64], path[128], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_model *src = saved_model(path);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    unsigned char *buf;
    const unsigned char *data;
    size_t dlen;
    json_t *root = read_header(path, &buf, &data, &dlen);
    const json_int_t D = (json_int_t)dlen;
    struct {
        json_int_t b, e;
        const char *what;
    } cases[] = {{D - 4, D + 4, "out of range"}, // runs past the end (right size)
                 {D + 100, D + 104, "out of range"},
                 {-4, 0, "non-negative"},
                 {8, 4, "out of range"}, // begin > end
                 {0, 8, "span 8 bytes"}, // size does not match shape [1]... of the rng (24 bytes)
                 {INT64_MAX - 3, INT64_MAX, "out of range"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *copy = json_deep_copy(root);
        set_offsets(copy, "rng.train_msg", cases[i].b, cases[i].e);
        write_json(bad, copy, data, dlen);
        expect_reject(bad, ae, AE_ECONFIG, "rng.train_msg", cases[i].what);
        json_decref(copy);
    }
    // data_offsets of the wrong type
    json_t *copy = json_deep_copy(root);
    json_object_set_new(json_object_get(copy, "tx.0.bias"), "data_offsets", json_pack("[f, f]", 0.0, 20.0));
    write_json(bad, copy, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "tx.0.bias", "data_offsets");
    json_decref(copy);
    json_decref(root);
    free(buf);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, gap_or_overlap_in_the_data)
{
    char dir[64], path[128], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_model *src = saved_model(path);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    unsigned char *buf;
    const unsigned char *data;
    size_t dlen;
    json_t *root = read_header(path, &buf, &data, &dlen);

    // trailing bytes nobody owns
    unsigned char *longer = calloc(dlen + 4, 1);
    cr_assert(longer);
    memcpy(longer, data, dlen);
    write_json(bad, root, longer, dlen + 4);
    expect_reject(bad, ae, AE_ECONFIG, "belong to no tensor", NULL);

    // two tensors of the same size on the same bytes
    json_t *copy = json_deep_copy(root);
    json_t *w = json_object_get(json_object_get(copy, "tx.0.weight"), "data_offsets");
    set_offsets(copy, "adam.m.tx.0.weight", json_integer_value(json_array_get(w, 0)),
                json_integer_value(json_array_get(w, 1)));
    write_json(bad, copy, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "overlap", "tx.0.weight");
    json_decref(copy);

    // a partial overlap: a bias shifted by 4 bytes into its neighbour
    copy = json_deep_copy(root);
    json_t *b = json_object_get(json_object_get(copy, "tx.0.bias"), "data_offsets");
    set_offsets(copy, "tx.0.bias", json_integer_value(json_array_get(b, 0)) - 4,
                json_integer_value(json_array_get(b, 1)) - 4);
    write_json(bad, copy, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "overlap", "tx.0.bias");
    json_decref(copy);

    // a hole in the middle: an entry removed, its bytes left in place
    copy = json_deep_copy(root);
    json_object_del(copy, "tx.1.bias");
    write_json(bad, copy, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "belong to no tensor", NULL);
    json_decref(copy);

    free(longer);
    json_decref(root);
    free(buf);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, missing_and_extra_tensors)
{
    char dir[64], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_cfg c = small_cfg(5, 6);
    ae_model *src = make_model(&c, 4);
    ae_model *ae = make_model(&c, 2);
    tdesc t[10];
    size_t n = param_tdescs(src, t);
    unsigned char *data;
    size_t dlen;

    // without rx.1.bias (the data contiguous, so only the tensor is missing)
    json_t *root = layout(t, n - 1, &data, &dlen);
    write_json(bad, root, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "missing tensor rx.1.bias", NULL);
    json_decref(root);
    free(data);

    // with the full set plus a stray third encoder layer
    float extra[2] = {1, 2};
    t[n] =
        (tdesc){.name = "tx.2.weight", .dtype = "F32", .rank = 1, .shape = {2}, .data = extra, .nbytes = 8};
    root = layout(t, n + 1, &data, &dlen);
    write_json(bad, root, data, dlen);
    expect_reject(bad, ae, AE_ECONFIG, "unexpected tensor tx.2.weight", NULL);
    json_decref(root);
    free(data);

    // the full set alone loads (the checks above fail for the stated reason only)
    root = layout(t, n, &data, &dlen);
    write_json(bad, root, data, dlen);
    cr_assert_eq(sim_ckpt_load(bad, ae, NULL, 0, NULL), AE_OK, "%s", ae_err_message());
    cr_assert(memcmp(src->params, ae->params, ae->n_params * 4) == 0);
    json_decref(root);
    free(data);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

Test(checkpoint, generator_state_of_the_wrong_size)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ae_model *src = saved_model(path); // rng.train_msg has 24 bytes
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
    snap s = take(ae);
    unsigned char st[12] = {0};
    sim_ckpt_rng r = {"train_msg", st, sizeof st};
    int rc = sim_ckpt_load(path, ae, &r, 1, NULL);
    cr_assert_eq(rc, AE_ECONFIG);
    cr_assert(strstr(ae_err_message(), "rng.train_msg has 24 bytes"), "%s", ae_err_message());
    check_same(ae, &s);
    snap_free(&s);
    ae_destroy(ae);
    ae_destroy(src);
    remove_tmpdir(dir);
}

// Hand-written hostile headers, each over the 4 data bytes "abcd"; none may crash or load.
Test(checkpoint, hostile_headers_are_rejected)
{
    char dir[64], bad[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    ae_cfg c = small_cfg(5, 6);
    ae_model *ae = make_model(&c, 2);
#define T(dt, sh, off) "{\"dtype\":\"" dt "\",\"shape\":" sh ",\"data_offsets\":" off "}"
    char longname[600];
    snprintf(longname, sizeof longname, "{\"%0500d\":" T("U8", "[4]", "[0,4]") "}", 0);
    struct {
        const char *hdr, *what;
    } cases[] = {
        {"{\"rng.a\":" T("U8", "[4]", "[0,4]") ",\"rng.a\":" T("U8", "[4]", "[0,4]") "}",
         "JSON"}, // duplicate
        {longname, "longer than"},
        {"{\"rng.a\":" T("U8", "[4294967296,4294967296,4294967296]", "[0,4]") "}", "overflows"},
        {"{\"rng.a\":" T("F64", "[2305843009213693952]", "[0,4]") "}", "overflows"},
        {"{\"rng.a\":" T("U8", "[-4]", "[0,4]") "}", "shape entry 0"},
        {"{\"rng.a\":" T("U8", "[4.0]", "[0,4]") "}", "shape entry 0"},
        {"{\"rng.a\":" T("U8", "4", "[0,4]") "}", "no shape array"},
        {"{\"rng.a\":" T("U8", "[1,1,1,1,1,1,1,1,4]", "[0,4]") "}", "dimensions"},
        {"{\"rng.a\":" T("U8", "[4]", "[0,4,4]") "}", "data_offsets"},
        {"{\"rng.a\":" T("U8", "[4]", "[\"0\",\"4\"]") "}", "data_offsets"},
        {"{\"rng.a\":" T("U8", "[4]", "{}") "}", "data_offsets"},
        {"{\"rng.a\":{\"shape\":[4],\"data_offsets\":[0,4]}}", "no dtype"},
        {"{\"rng.a\":{\"dtype\":7,\"shape\":[4],\"data_offsets\":[0,4]}}", "no dtype"},
        {"{\"rng.a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4],\"x\":1}}", "unknown field"},
        {"{\"rng.a\":\"U8\"}", "not a JSON object"},
        {"{\"rng.a\":" T("F32", "[1]", "[0,4]") "}", "rng.a has dtype F32"},
        {"{\"rng.a\":" T("U8", "[2,2]", "[0,4]") "}", "rng.a has dtype U8 and 2 dimensions"},
        {"{\"__metadata__\":[],\"rng.a\":" T("U8", "[4]", "[0,4]") "}", "__metadata__"},
        {"{\"__metadata__\":{\"a\":1},\"rng.a\":" T("U8", "[4]", "[0,4]") "}", "__metadata__"},
        {"{\"\":" T("U8", "[4]", "[0,4]") "}", "unexpected tensor"},
        {"{\"tx.0.weight\\u0001\":" T("U8", "[4]", "[0,4]") "}", "unexpected tensor tx.0.weight?"},
        {"{\"rng.a\":" T("U8", "[4]", "[0,4]") ",\"rng.b\":" T("U8", "[0]", "[5,5]") "}", "out of range"},
    };
#undef T
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_raw(bad, cases[i].hdr, strlen(cases[i].hdr), "abcd", 4);
        expect_reject(bad, ae, AE_ECONFIG, cases[i].what, NULL);
    }
    // and a well-formed file with only an unrequested generator is not a model
    const char *ok = "{\"rng.a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}";
    write_raw(bad, ok, strlen(ok), "abcd", 4);
    expect_reject(bad, ae, AE_ECONFIG, "missing tensor tx.0.weight", NULL);
    ae_destroy(ae);
    remove_tmpdir(dir);
}

// ---------------------------------------------------------------------------------------------
// writing

Test(checkpoint, failed_write_keeps_the_previous_file)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/ckpt.safetensors", dir);
    ae_model *ae = saved_model(path);
    size_t len0;
    unsigned char *before = slurp(path, &len0);
    for (size_t i = 0; i < ae->n_params; i++)
        ae->params[i] += 1.0f;
    ae->adam_step = 99;
    setenv("AESIM_FAULT_WRITE", "ckpt", 1);
    sim_fault_reload();
    int rc = sim_ckpt_save(path, ae, NULL, 0, "ae", "0.1.0", NULL);
    unsetenv("AESIM_FAULT_WRITE");
    sim_fault_reload();
    cr_assert_eq(rc, AE_EIO, "save under a write fault returned %d", rc);
    cr_assert(strstr(ae_err_message(), path), "%s", ae_err_message());
    size_t len1;
    unsigned char *after = slurp(path, &len1);
    cr_assert_eq(len0, len1);
    cr_assert(memcmp(before, after, len0) == 0, "the previous checkpoint was modified");
    cr_assert_eq(dir_entries(dir), 1, "a temporary file was left behind");
    // without the fault the same save replaces it
    cr_assert_eq(sim_ckpt_save(path, ae, NULL, 0, "ae", "0.1.0", NULL), AE_OK, "%s", ae_err_message());
    ae_cfg c = small_cfg(5, 6);
    ae_model *back = make_model(&c, 2);
    cr_assert_eq(sim_ckpt_load(path, back, NULL, 0, NULL), AE_OK, "%s", ae_err_message());
    cr_assert(memcmp(back->params, ae->params, ae->n_params * 4) == 0);
    cr_assert_eq(back->adam_step, 99);
    // a folder that does not exist is an I/O error too
    cr_assert_eq(sim_ckpt_save("/nonexistent/aesim/x.safetensors", ae, NULL, 0, NULL, NULL, NULL), AE_EIO);
    free(before);
    free(after);
    ae_destroy(back);
    ae_destroy(ae);
    remove_tmpdir(dir);
}
