// config.c - libconfig experiment files: parse, validate, resolve.
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_err.h"
#include "classical.h"
#include "fileio.h"
#include "modem.h"
#include "stats.h"
#include "systems.h"

// The UTF-8 byte-order mark some editors put at the start of a text file.
#define SIM_UTF8_BOM "\xEF\xBB\xBF"

// ---------------------------------------------------------------------------------------------
// the schema: valid keys per group, for unknown-key errors and suggestions

static const char *const keys_top[] = {"seed",  "channel", "eval", "systems", "memory_limit_mib",
                                       "sweep", NULL};
static const char *const keys_eval[] = {"ebno_db",           "target_block_errors",
                                        "target_bit_errors", "max_blocks",
                                        "chunk_blocks",      "batch",
                                        "early_stop",        "min_bler",
                                        "esno_db",           "min_ber",
                                        "interval",          NULL};
static const char *const keys_grid[] = {"start", "stop", "step", NULL};
static const char *const keys_code[] = {"type",       "k",       "n",        "rv",         "interleave",
                                        "iterations", "decoder", "schedule", "early_stop", "llr_clip",
                                        "offset",     "scale",   NULL};
static const char *const keys_train[] = {
    "steps",   "batch", "lr",        "lr_final",         "schedule",
    "ebno_db", "seed",  "log_every", "checkpoint_every", "fail_on_divergence",
    NULL};

static const char *const *channel_keys(const ch_type *t, const char **buf, size_t cap);

const char *const *sim_config_schema(const char *group)
{
    static const struct {
        const char *group;
        const char *const *keys;
    } schema[] = {{"top", keys_top},
                  {"eval", keys_eval},
                  {"grid", keys_grid},
                  {"train", keys_train},
                  {"code", keys_code}};
    for (size_t i = 0; i < sizeof schema / sizeof *schema; i++)
        if (strcmp(group, schema[i].group) == 0)
            return schema[i].keys;
    const sim_system_class *sys = sim_system_type_find(group, NULL);
    if (sys)
        return sys->keys;
    // a channel group: the keys of that channel type's table
    enum { MAX_TYPES = 32, MAX_KEYS = 64 };
    static const char *channel_schema[MAX_TYPES][MAX_KEYS];
    for (size_t i = 0; i < MAX_TYPES && ch_registry[i]; i++)
        if (strcmp(group, ch_registry[i]->name) == 0)
            return channel_keys(ch_registry[i], channel_schema[i], MAX_KEYS);
    return NULL;
}

const char *sim_system_type_name(int type)
{
    for (int i = 0; sim_system_types[i]; i++)
        if (i == type)
            return sim_system_types[i]->name;
    return "?";
}

int sim_system_type_parse(const char *name)
{
    int index = -1;
    return sim_system_type_find(name, &index) ? index : -1;
}

// ---------------------------------------------------------------------------------------------
// error helpers

// Parser context: the file name for messages, and how to name the files it @includes.
typedef struct cfg_ctx {
    const char *file; // the config file as given
    const char *dir;  // its folder ("" for the working folder), which relative @include names start from
} cfg_ctx;

// Dotted path of a setting as libconfig's lookup writes it, e.g. "systems.[0].train.lr".
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
    const config_setting_t *chain[32];
    size_t depth = 0;
    for (const config_setting_t *p = s; p && !config_setting_is_root(p) && depth < 32;
         p = config_setting_parent(p))
        chain[depth++] = p;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = depth; i-- > 0;) {
        const char *name = config_setting_name(chain[i]);
        int w = name ? snprintf(buf + used, len - used, "%s%s", used ? "." : "", name)
                     : snprintf(buf + used, len - used, "%s[%d]", used ? "." : "",
                                config_setting_index(chain[i]));
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

// Report "FILE:LINE: PATH: message" for setting s (or for its parent's line with a missing key name).
__attribute__((format(printf, 4, 5))) static int cfg_fail(const cfg_ctx *cx, const config_setting_t *s,
                                                          const char *key, const char *fmt, ...)
{
    char path[256], small[512];
    setting_path(s, path, sizeof path);
    if (key) {
        size_t l = strlen(path);
        snprintf(path + l, sizeof path - l, "%s%s", l ? "." : "", key);
    }
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): ap is started just above (analyzer false positive)
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    // a long value quoted in the message: the whole text, which AE_ERROR shortens in the middle so that
    // the reason at its end stays
    char *big = len >= (int)sizeof small ? malloc((size_t)len + 1) : NULL;
    if (big)
        vsnprintf(big, (size_t)len + 1, fmt, again);
    va_end(again);
    const char *msg = big ? big : small;
    int line = (int)config_setting_source_line(s);
    // a setting of an @include'd file is named by that file and its line there
    const char *src = config_setting_source_file(s);
    char file[8300];
    if (!src)
        snprintf(file, sizeof file, "%s", cx->file);
    else if (cx->dir[0] && src[0] != '/') // libconfig keeps the name as the @include wrote it
        snprintf(file, sizeof file, "%s/%s", cx->dir, src);
    else
        snprintf(file, sizeof file, "%s", src);
    int rc = line <= 0 // the root group has no line
                 ? AE_ERROR(AE_ECONFIG, "%s: %s: %s", file, path[0] ? path : "(top level)", msg)
                 : AE_ERROR(AE_ECONFIG, "%s:%d: %s: %s", file, line, path[0] ? path : "(top level)", msg);
    free(big);
    return rc;
}

// Levenshtein distance of two short strings (for "did you mean").
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

// Every member of group g must be in keys; otherwise an error suggesting the nearest valid key.
static int check_keys(const cfg_ctx *cx, const config_setting_t *g, const char *const *keys, const char *what)
{
    int count = config_setting_length(g);
    for (int i = 0; i < count; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        if (!name)
            continue;
        int ok = 0;
        const char *best = NULL;
        size_t best_d = 99;
        for (const char *const *k = keys; *k; k++) {
            if (strcmp(*k, name) == 0)
                ok = 1;
            size_t d = edit_distance(*k, name);
            if (d < best_d) {
                best_d = d;
                best = *k;
            }
        }
        if (ok)
            continue;
        // a key of another system type: say so rather than suggest a look-alike
        int other = 0;
        if (strncmp(what, "a", 1) == 0 && strstr(what, "system"))
            for (size_t t = 0; sim_system_types[t] && !other; t++)
                for (const char *const *k = sim_system_types[t]->keys; *k; k++)
                    other |= strcmp(*k, name) == 0;
        if (other)
            return cfg_fail(cx, m, NULL, "'%s' does not apply to %s", name, what);
        if (best && best_d <= 3)
            return cfg_fail(cx, m, NULL, "unknown key in %s; did you mean '%s'?", what, best);
        char list[512] = "";
        for (const char *const *k = keys; *k; k++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", *k);
        }
        return cfg_fail(cx, m, NULL, "unknown key in %s; valid keys: %s", what, list);
    }
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// typed getters: each leaves *out untouched when the key is absent (the default stays)

static int is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

static double number_of(const config_setting_t *s)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT)
        return config_setting_get_float(s);
    return (double)config_setting_get_int64(s);
}

// A finite number in [lo, hi].
static int get_double(const cfg_ctx *cx, const config_setting_t *g, const char *key, double lo, double hi,
                      const char *expect, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return AE_OK;
    if (!is_number(s))
        return cfg_fail(cx, s, NULL, "expected a number (%s)", expect);
    double v = number_of(s);
    if (!isfinite(v) || v < lo || v > hi)
        return cfg_fail(cx, s, NULL, "value %g out of range, expected %s", v, expect);
    *out = v;
    return AE_OK;
}

// An integer in [lo, hi] (a float with an integral value, such as 1e7, is accepted).
static int get_u64(const cfg_ctx *cx, const config_setting_t *g, const char *key, uint64_t lo, uint64_t hi,
                   uint64_t *out)
{
    if (hi > (uint64_t)INT64_MAX)
        hi = (uint64_t)INT64_MAX; // libconfig's integers are signed 64-bit

    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return AE_OK;
    int t = config_setting_type(s);
    double v;
    long long iv = 0;
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        iv = config_setting_get_int64(s);
        v = (double)iv;
    } else if (t == CONFIG_TYPE_FLOAT) {
        v = config_setting_get_float(s);
        if (!isfinite(v) || v != floor(v) || fabs(v) > 9.0e18)
            return cfg_fail(cx, s, NULL, "expected an integer in %llu..%llu, got %g", (unsigned long long)lo,
                            (unsigned long long)hi, v);
        iv = (long long)v;
    } else {
        return cfg_fail(cx, s, NULL, "expected an integer in %llu..%llu", (unsigned long long)lo,
                        (unsigned long long)hi);
    }
    if (iv < 0 || (uint64_t)iv < lo || (uint64_t)iv > hi)
        return cfg_fail(cx, s, NULL, "value %lld out of range, expected an integer in %llu..%llu", iv,
                        (unsigned long long)lo, (unsigned long long)hi);
    (void)v;
    *out = (uint64_t)iv;
    return AE_OK;
}

static int get_size(const cfg_ctx *cx, const config_setting_t *g, const char *key, uint64_t lo, uint64_t hi,
                    size_t *out)
{
    uint64_t v = *out;
    int rc = get_u64(cx, g, key, lo, hi, &v);
    *out = (size_t)v;
    return rc;
}

static int get_bool(const cfg_ctx *cx, const config_setting_t *g, const char *key, int *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return AE_OK;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return cfg_fail(cx, s, NULL, "expected true or false");
    *out = config_setting_get_bool(s);
    return AE_OK;
}

// A string; *out points into the config (valid while it lives). Absent keys leave *out alone.
static int get_string(const cfg_ctx *cx, const config_setting_t *g, const char *key, const char *expect,
                      const char **out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return AE_OK;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return cfg_fail(cx, s, NULL, "expected a string (%s)", expect);
    *out = config_setting_get_string(s);
    return AE_OK;
}

// An optional group member: NULL if absent, an error if present and not a group.
static int get_group(const cfg_ctx *cx, const config_setting_t *g, const char *key,
                     const config_setting_t **out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    *out = NULL;
    if (!s)
        return AE_OK;
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return cfg_fail(cx, s, NULL, "expected a group { key = value; ... }");
    *out = s;
    return AE_OK;
}

// Hidden layer widths: an array or list of integers >= 1, at most AE_MAX_HIDDEN of them (may be empty).
static int get_widths(const cfg_ctx *cx, const config_setting_t *g, const char *key, size_t *count,
                      size_t *widths)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return AE_OK;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return cfg_fail(cx, s, NULL, "expected a list of layer widths such as [16]");
    int len = config_setting_length(s);
    if (len > AE_MAX_HIDDEN)
        return cfg_fail(cx, s, NULL, "%d hidden layers, expected at most %d", len, AE_MAX_HIDDEN);
    for (int i = 0; i < len; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        int et = config_setting_type(e);
        if (et != CONFIG_TYPE_INT && et != CONFIG_TYPE_INT64)
            return cfg_fail(cx, s, NULL, "element %d: expected an integer width >= 1", i);
        long long w = config_setting_get_int64(e);
        if (w < 1 || w > 1048576)
            return cfg_fail(cx, s, NULL, "element %d: width %lld, expected 1..1048576", i, w);
        widths[i] = (size_t)w;
    }
    *count = (size_t)len;
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// the Eb/N0 grid

enum { SIM_MAX_POINTS = 10000 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_grid(const cfg_ctx *cx, const config_setting_t *eval, sim_experiment *ex)
{
    const config_setting_t *s = config_setting_get_member(eval, "ebno_db");
    const config_setting_t *es = config_setting_get_member(eval, "esno_db");
    if (s && es)
        return cfg_fail(cx, es, NULL, "give either ebno_db or esno_db, not both");
    if (!s && !es)
        return cfg_fail(cx, eval, "ebno_db",
                        "missing; expected a list [0.0, 2.0] or { start; stop; step; } (or esno_db)");
    if (es) {
        s = es;
        ex->grid_esno = 1;
    }
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_GROUP) {
        int rc = check_keys(cx, s, keys_grid, "the Eb/N0 range");
        if (rc != AE_OK)
            return rc;
        double start = NAN, stop = NAN, step = 1.0;
        if (!config_setting_get_member(s, "start") || !config_setting_get_member(s, "stop"))
            return cfg_fail(cx, s, NULL, "expected start and stop (dB), and optionally step (default 1)");
        if ((rc = get_double(cx, s, "start", -100, 100, "Eb/N0 in dB, -100..100", &start)) != AE_OK ||
            (rc = get_double(cx, s, "stop", -100, 100, "Eb/N0 in dB, -100..100", &stop)) != AE_OK ||
            (rc = get_double(cx, s, "step", 1e-3, 100,
                             "a step in dB, 0.001..100 (grid points are told apart at 0.001 dB)", &step)) !=
                AE_OK)
            return rc;
        if (stop < start)
            return cfg_fail(cx, s, NULL, "stop %g < start %g; expected stop >= start", stop, start);
        // count points with a tolerance so that 0:0.1:1 includes 1
        double span = (stop - start) / step;
        size_t n = (size_t)floor(span + 1e-9) + 1;
        if (n > SIM_MAX_POINTS)
            return cfg_fail(cx, s, NULL, "%zu points, expected at most %d", n, SIM_MAX_POINTS);
        ex->ebno_db = malloc(n * sizeof *ex->ebno_db);
        if (!ex->ebno_db)
            return AE_ERROR(AE_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            ex->ebno_db[i] = round((start + (double)i * step) * 1e6) / 1e6;
        ex->n_ebno = n;
        return AE_OK;
    }
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return cfg_fail(cx, s, NULL,
                        "expected a list [0.0, 2.0] or { start = ...; stop = ...; step = ...; }");
    int len = config_setting_length(s);
    if (len < 1)
        return cfg_fail(cx, s, NULL, "empty grid; expected at least one Eb/N0 value in dB");
    if (len > SIM_MAX_POINTS)
        return cfg_fail(cx, s, NULL, "%d points, expected at most %d", len, SIM_MAX_POINTS);
    ex->ebno_db = malloc((size_t)len * sizeof *ex->ebno_db);
    if (!ex->ebno_db)
        return AE_ERROR(AE_ENOMEM, "out of memory");
    for (int i = 0; i < len; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (!is_number(e))
            return cfg_fail(cx, s, NULL, "element %d: expected a number (Eb/N0 in dB)", i);
        double v = number_of(e);
        if (!isfinite(v) || v < -100 || v > 100)
            return cfg_fail(cx, s, NULL, "element %d: %g, expected a finite Eb/N0 in dB, -100..100", i, v);
        ex->ebno_db[i] = v;
    }
    ex->n_ebno = (size_t)len;
    qsort(ex->ebno_db, ex->n_ebno, sizeof *ex->ebno_db, cmp_double);
    for (size_t i = 1; i < ex->n_ebno; i++)
        if (llround(ex->ebno_db[i] * 1000.0) == llround(ex->ebno_db[i - 1] * 1000.0))
            return cfg_fail(cx, s, NULL, "%s %g dB listed twice", ex->grid_esno ? "Es/N0" : "Eb/N0",
                            ex->ebno_db[i]);
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// systems

// Pick one of the words of `words` (NULL-terminated) for key `key` of group g; *out is its index.
static int get_choice(const cfg_ctx *cx, const config_setting_t *g, const char *key, const char *const *words,
                      const char *expect, int *out)
{
    const char *w = NULL;
    int rc = get_string(cx, g, key, expect, &w);
    if (rc != AE_OK || !w)
        return rc;
    for (int i = 0; words[i]; i++)
        if (strcmp(w, words[i]) == 0) {
            *out = i;
            return AE_OK;
        }
    return cfg_fail(cx, config_setting_get_member(g, key), NULL, "unknown value '%s', expected %s", w,
                    expect);
}

// The keys a group of channel type t accepts ("type", "black_box" and the type's table), NULL-terminated
// in buf (at most cap entries).
static const char *const *channel_keys(const ch_type *t, const char **buf, size_t cap)
{
    size_t n = 0;
    buf[n++] = "type";
    buf[n++] = "black_box";
    for (size_t i = 0; i < t->n_keys && n + 1 < cap; i++)
        buf[n++] = t->keys[i].name;
    buf[n] = NULL;
    return buf;
}

// One key of a channel group, by the kind its table gives it.
static int parse_channel_key(const cfg_ctx *cx, const config_setting_t *m, const ch_key *k, void *params)
{
    char expect[512];
    ch_key_expect(k, expect, sizeof expect);
    int t = config_setting_type(m), rc;
    switch (k->kind) {
    case CH_KEY_DOUBLE:
    case CH_KEY_SIZE:
        if (!is_number(m))
            return cfg_fail(cx, m, NULL, "expected %s", expect);
        rc = ch_key_set_number(k, params, number_of(m));
        break;
    case CH_KEY_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return cfg_fail(cx, m, NULL, "expected %s", expect);
        rc = ch_key_set_number(k, params, config_setting_get_bool(m) ? 1.0 : 0.0);
        break;
    case CH_KEY_WORD:
        if (t != CONFIG_TYPE_STRING)
            return cfg_fail(cx, m, NULL, "expected a string: %s", expect);
        rc = ch_key_set_word(k, params, config_setting_get_string(m));
        break;
    case CH_KEY_TEXT:
    default:
        if (t == CONFIG_TYPE_STRING) {
            rc = ch_key_set_word(k, params, config_setting_get_string(m));
        } else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
            // a list of numbers, read as the same numbers joined by commas
            char text[4096] = "";
            size_t used = 0;
            for (int i = 0; i < config_setting_length(m) && used < sizeof text; i++) {
                const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
                if (!is_number(e))
                    return cfg_fail(cx, m, NULL, "element %d: expected a number (%s)", i, expect);
                used +=
                    (size_t)snprintf(text + used, sizeof text - used, "%s%.17g", i ? "," : "", number_of(e));
            }
            rc = ch_key_set_word(k, params, text);
        } else {
            return cfg_fail(cx, m, NULL, "expected %s", expect);
        }
        break;
    }
    if (rc != AE_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ae_err_message());
        return cfg_fail(cx, m, NULL, "%s", why);
    }
    return AE_OK;
}

// A channel: a word ("awgn", "rayleigh", ...: defaults for the rest) or a group { type = ...; <the type's
// keys>; black_box = false; }, read through the type's key table (channels/ch_type.h).
static int parse_channel(const cfg_ctx *cx, const config_setting_t *s, sim_channel_cfg *c)
{
    char names[256];
    ch_type_names(names, sizeof names);
    sim_channel_cfg_default(c);
    const char *type = NULL;
    int group = config_setting_type(s) == CONFIG_TYPE_GROUP;
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        type = config_setting_get_string(s);
    } else if (group) {
        int rc = get_string(cx, s, "type", names, &type);
        if (rc != AE_OK)
            return rc;
        if (!type)
            return cfg_fail(cx, s, "type", "missing; expected one of %s", names);
    } else {
        return cfg_fail(cx, s, NULL, "expected a channel word (%s) or a group { type = ...; }", names);
    }
    const ch_type *t = ch_type_find(type);
    if (!t)
        return cfg_fail(cx, group ? config_setting_get_member(s, "type") : s, NULL,
                        "unknown channel '%s', expected one of %s", type, names);
    sim_channel_cfg_set_type(c, t);
    if (!group)
        return AE_OK;
    const char *keys[64];
    char what[96];
    snprintf(what, sizeof what, "%s %s channel", strchr("aeiou", t->name[0]) ? "an" : "a", t->name);
    int rc = check_keys(cx, s, channel_keys(t, keys, sizeof keys / sizeof *keys), what);
    if (rc != AE_OK)
        return rc;
    if ((rc = get_bool(cx, s, "black_box", &c->black_box)) != AE_OK)
        return rc;
    // in the order of the table, so that a key that depends on another (none today) sees it set
    for (size_t i = 0; i < t->n_keys; i++) {
        const config_setting_t *m = config_setting_get_member(s, t->keys[i].name);
        if (m && (rc = parse_channel_key(cx, m, &t->keys[i], &c->params)) != AE_OK)
            return rc;
    }
    if (sim_channel_validate(c) != AE_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ae_err_message());
        return cfg_fail(cx, s, NULL, "%s", why);
    }
    return AE_OK;
}

// Names become file names and CSV fields: [a-z0-9_.=+-], 1..SIM_NAME_MAX-1 characters, not "." or ".."
// ('=' and '+' for sweep names such as ae_train.ebno_db=-1 or ae_channel.k_factor=1e+06).
static int name_ok(const char *s)
{
    size_t len = strlen(s);
    if (len < 1 || len >= SIM_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_.=+-", *p)))
            return 0;
    return 1;
}

static int parse_train(const cfg_ctx *cx, const config_setting_t *g, sim_train_cfg *tc)
{
    int rc = check_keys(cx, g, keys_train, "train");
    if (rc != AE_OK)
        return rc;
    const char *sched = NULL;
    if ((rc = get_u64(cx, g, "steps", 1, 100000000000ULL, &tc->steps)) != AE_OK ||
        (rc = get_size(cx, g, "batch", 1, 10000000, &tc->batch)) != AE_OK ||
        (rc = get_double(cx, g, "lr", 1e-12, 10, "a learning rate in (0, 10]", &tc->lr)) != AE_OK ||
        (rc = get_double(cx, g, "lr_final", 1e-12, 10, "a learning rate in (0, 10]", &tc->lr_final)) !=
            AE_OK ||
        (rc = get_double(cx, g, "ebno_db", -100, 100, "Eb/N0 in dB, -100..100", &tc->ebno_db)) != AE_OK ||
        (rc = get_u64(cx, g, "seed", 0, UINT64_MAX, &tc->seed)) != AE_OK ||
        (rc = get_u64(cx, g, "log_every", 1, UINT64_MAX, &tc->log_every)) != AE_OK ||
        (rc = get_u64(cx, g, "checkpoint_every", 0, UINT64_MAX, &tc->checkpoint_every)) != AE_OK ||
        (rc = get_bool(cx, g, "fail_on_divergence", &tc->fail_on_divergence)) != AE_OK ||
        (rc = get_string(cx, g, "schedule", "constant, cosine or exponential", &sched)) != AE_OK)
        return rc;
    if (sched) {
        int s = sim_lr_schedule_parse(sched);
        if (s < 0)
            return cfg_fail(cx, config_setting_get_member(g, "schedule"), NULL,
                            "unknown schedule '%s', expected constant, cosine or exponential", sched);
        tc->schedule = s;
    }
    return AE_OK;
}

// The words of an enum from its name function, for messages: "a, b, c or d" (first..last).
static const char *word_list(const char *(*name)(int), int first, int last, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = first; i <= last && used < len; i++) {
        int w =
            snprintf(buf + used, len - used, "%s%s", i == first ? "" : (i < last ? ", " : " or "), name(i));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

// One word key of the code group through the codec's parser (-1 for an unknown word).
static int get_code_word(const cfg_ctx *cx, const config_setting_t *g, const char *key,
                         int (*parse)(const char *), const char *(*name)(int), int first, int last, int *out)
{
    char words[256];
    word_list(name, first, last, words, sizeof words);
    const char *w = NULL;
    int rc = get_string(cx, g, key, words, &w);
    if (rc != AE_OK || !w)
        return rc;
    int v = parse(w);
    if (v < 0)
        return cfg_fail(cx, config_setting_get_member(g, key), NULL, "unknown %s '%s', expected %s", key, w,
                        words);
    *out = v;
    return AE_OK;
}

// The code group of a coded_modem system: every key over the type's whole range, then the ranges of the
// codec (mod_code_cfg_validate, one definition of each rule) for a modem of q_m bits per symbol; an
// error names the key's line. `scheme` names the modem in the message about n.
static int parse_code(const cfg_ctx *cx, const config_setting_t *g, mod_code_cfg *c, unsigned q_m,
                      const char *scheme)
{
    int rc = check_keys(cx, g, keys_code, "code");
    if (rc != AE_OK)
        return rc;
    uint64_t k = c->k, n = c->n, rv = c->rv, iterations = c->dec.iterations;
    double clip = c->dec.llr_clip, offset = c->dec.offset, scale = c->dec.scale;
    if ((rc = get_code_word(cx, g, "type", mod_code_type_parse, mod_code_type_name, MOD_CODE_LDPC5G,
                            MOD_CODE_HAMMING74, &c->type)) != AE_OK)
        return rc;
    // the decoder's words are the code type's
    if (c->type == MOD_CODE_HAMMING74)
        rc = get_code_word(cx, g, "decoder", mod_hamming_decoder_parse, mod_hamming_decoder_name,
                           MOD_HAMMING_HARD, MOD_HAMMING_ML, &c->hamming_decoder);
    else
        rc = get_code_word(cx, g, "decoder", ldpc5g_algorithm_parse, ldpc5g_algorithm_name,
                           LDPC5G_SUM_PRODUCT, LDPC5G_NORMALIZED_MIN_SUM, &c->dec.algorithm);
    if (rc != AE_OK || (rc = get_u64(cx, g, "k", 0, UINT32_MAX, &k)) != AE_OK ||
        (rc = get_u64(cx, g, "n", 0, UINT32_MAX, &n)) != AE_OK ||
        (rc = get_u64(cx, g, "rv", 0, UINT32_MAX, &rv)) != AE_OK ||
        (rc = get_bool(cx, g, "interleave", &c->interleave)) != AE_OK ||
        (rc = get_u64(cx, g, "iterations", 0, UINT32_MAX, &iterations)) != AE_OK ||
        (rc = get_code_word(cx, g, "schedule", ldpc5g_schedule_parse, ldpc5g_schedule_name, LDPC5G_FLOODING,
                            LDPC5G_LAYERED, &c->dec.schedule)) != AE_OK ||
        (rc = get_bool(cx, g, "early_stop", &c->dec.early_stop)) != AE_OK ||
        (rc = get_double(cx, g, "llr_clip", -FLT_MAX, FLT_MAX, "a number", &clip)) != AE_OK ||
        (rc = get_double(cx, g, "offset", -FLT_MAX, FLT_MAX, "a number", &offset)) != AE_OK ||
        (rc = get_double(cx, g, "scale", -FLT_MAX, FLT_MAX, "a number", &scale)) != AE_OK)
        return rc;
    c->k = (unsigned)k;
    c->n = (unsigned)n;
    c->rv = (unsigned)rv;
    c->dec.iterations = (unsigned)iterations;
    c->dec.llr_clip = (float)clip;
    c->dec.offset = (float)offset;
    c->dec.scale = (float)scale;
    if (mod_code_cfg_validate(c, q_m) == AE_OK)
        return AE_OK;
    // the message names the key ("code.n = ..."): report it at that key's line
    char why[1024], key[32] = "";
    snprintf(why, sizeof why, "%s", ae_err_message());
    const char *at = strstr(why, "code.");
    if (at)
        sscanf(at + 5, "%31[a-z_]", key);
    const config_setting_t *m = key[0] ? config_setting_get_member(g, key) : NULL;
    if (strcmp(key, "n") == 0 && strstr(why, "multiple") && !strstr(why, scheme)) {
        size_t l = strlen(why);
        snprintf(why + l, sizeof why - l, " (scheme %s: %u bits per symbol)", scheme, q_m);
    }
    return cfg_fail(cx, m ? m : g, NULL, "%s", why);
}

static int parse_system(const cfg_ctx *cx, const config_setting_t *g, sim_system_cfg *sys, uint64_t seed,
                        const sim_channel_cfg *channel)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return cfg_fail(cx, g, NULL, "expected a system group { name = ...; type = ...; }");
    memset(sys, 0, sizeof *sys);
    sys->line = (int)config_setting_source_line(g);
    const char *name = NULL, *type = NULL;
    char types[256];
    sim_system_type_names(types, sizeof types);
    int rc;
    if ((rc = get_string(cx, g, "name", "a file-name-safe name", &name)) != AE_OK ||
        (rc = get_string(cx, g, "type", sim_system_type_names(types, sizeof types), &type)) != AE_OK)
        return rc;
    if (!name)
        return cfg_fail(cx, g, "name", "missing; expected a name such as \"ae_7_4\"");
    if (!name_ok(name))
        return cfg_fail(cx, config_setting_get_member(g, "name"), NULL,
                        "'%s' is not a valid system name; expected 1..%d characters of [a-z0-9_.=+-]", name,
                        SIM_NAME_MAX - 1);
    snprintf(sys->name, sizeof sys->name, "%s", name);
    if (!type)
        return cfg_fail(cx, g, "type", "missing; expected %s", types);
    sys->type = sim_system_type_parse(type);
    if (sys->type < 0)
        return cfg_fail(cx, config_setting_get_member(g, "type"), NULL, "unknown type '%s', expected %s",
                        type, types);
    uint64_t k = 4, n = 7;
    switch (sys->type) {
    case SIM_SYS_AUTOENCODER: {
        if ((rc = check_keys(cx, g, sim_system_types[SIM_SYS_AUTOENCODER]->keys, "an autoencoder system")) !=
            AE_OK)
            return rc;
        if (!config_setting_get_member(g, "k") || !config_setting_get_member(g, "n"))
            return cfg_fail(cx, g, NULL, "an autoencoder needs n (real channel uses) and k (bits per block)");
        if ((rc = get_u64(cx, g, "k", 1, AE_MAX_K, &k)) != AE_OK ||
            (rc = get_u64(cx, g, "n", 1, 4096, &n)) != AE_OK)
            return rc;
        ae_cfg_default(&sys->ae, (unsigned)k, (size_t)n);
        const char *norm = NULL;
        if ((rc = get_string(cx, g, "norm", "energy or power", &norm)) != AE_OK)
            return rc;
        if (norm) {
            if (strcmp(norm, "energy") == 0)
                sys->ae.norm = AE_NORM_ENERGY;
            else if (strcmp(norm, "power") == 0)
                sys->ae.norm = AE_NORM_POWER;
            else
                return cfg_fail(cx, config_setting_get_member(g, "norm"), NULL,
                                "unknown normalisation '%s', expected energy (||x||^2 = n per block) or "
                                "power (mean power 1 per real channel use)",
                                norm);
        }
        if ((rc = get_widths(cx, g, "tx_hidden", &sys->ae.n_tx_hidden, sys->ae.tx_hidden)) != AE_OK ||
            (rc = get_widths(cx, g, "rx_hidden", &sys->ae.n_rx_hidden, sys->ae.rx_hidden)) != AE_OK)
            return rc;
        sim_train_cfg_default(&sys->train);
        sys->train.seed = seed;
        const config_setting_t *tg;
        if ((rc = get_group(cx, g, "train", &tg)) != AE_OK)
            return rc;
        if (tg && (rc = parse_train(cx, tg, &sys->train)) != AE_OK)
            return rc;
        if (sim_train_cfg_validate(&sys->train) != AE_OK)
            return cfg_fail(cx, tg ? tg : g, tg ? NULL : "train", "%s", ae_err_message());
        break;
    }
    case SIM_SYS_UNCODED_BPSK:
        if ((rc = check_keys(cx, g, sim_system_types[SIM_SYS_UNCODED_BPSK]->keys,
                             "an uncoded_bpsk system")) != AE_OK)
            return rc;
        if (!config_setting_get_member(g, "k"))
            return cfg_fail(cx, g, "k", "missing; expected the bits per block, 1..%u", TXRX_K_MAX);
        if ((rc = get_u64(cx, g, "k", 1, TXRX_K_MAX, &k)) != AE_OK)
            return rc;
        n = k;
        break;
    case SIM_SYS_HAMMING74: {
        if ((rc = check_keys(cx, g, sim_system_types[SIM_SYS_HAMMING74]->keys, "a hamming_7_4 system")) !=
            AE_OK)
            return rc;
        const char *dec = "ml";
        if ((rc = get_string(cx, g, "decoder", "hard or ml", &dec)) != AE_OK)
            return rc;
        if (strcmp(dec, "hard") == 0)
            sys->decoder = MOD_HAMMING_HARD;
        else if (strcmp(dec, "ml") == 0)
            sys->decoder = MOD_HAMMING_ML;
        else
            return cfg_fail(cx, config_setting_get_member(g, "decoder"), NULL,
                            "unknown decoder '%s', expected hard (syndrome) or ml (soft maximum likelihood)",
                            dec);
        k = 4;
        n = 7;
        break;
    }
    case SIM_SYS_MODEM: {
        if ((rc = check_keys(cx, g, sim_system_types[SIM_SYS_MODEM]->keys, "a modem system")) != AE_OK)
            return rc;
        const char *scheme = NULL, *demap = "hard";
        uint64_t symbols = 1;
        if ((rc = get_string(cx, g, "scheme", "bpsk, qpsk, pskM, qamM or pamM", &scheme)) != AE_OK ||
            (rc = get_u64(cx, g, "symbols", 1, TXRX_K_MAX, &symbols)) != AE_OK ||
            (rc = get_string(cx, g, "demapper", "hard, exact or maxlog", &demap)) != AE_OK)
            return rc;
        if (!scheme)
            return cfg_fail(cx, g, "scheme",
                            "missing; expected bpsk, qpsk, pskM, qamM or pamM (e.g. \"qam16\")");
        if (mod_scheme_parse(scheme, &sys->mod_family, &sys->mod_M) != AE_OK)
            return cfg_fail(cx, config_setting_get_member(g, "scheme"), NULL, "%s", ae_err_message());
        if (strcmp(demap, "hard") == 0)
            sys->demapper = MOD_DEMAP_HARD;
        else if (strcmp(demap, "exact") == 0)
            sys->demapper = MOD_DEMAP_EXACT;
        else if (strcmp(demap, "maxlog") == 0)
            sys->demapper = MOD_DEMAP_MAXLOG;
        else
            return cfg_fail(
                cx, config_setting_get_member(g, "demapper"), NULL,
                "unknown demapper '%s', expected hard (nearest point), exact (log-sum-exp LLRs) or "
                "maxlog (max-log LLRs)",
                demap);
        unsigned m = 0;
        while ((1u << m) < sys->mod_M)
            m++;
        if ((uint64_t)m * symbols > TXRX_K_MAX)
            return cfg_fail(cx, g, "symbols",
                            "%llu symbols of %u bits make %llu bits per block; expected <= %u",
                            (unsigned long long)symbols, m, (unsigned long long)m * symbols, TXRX_K_MAX);
        sys->symbols = (size_t)symbols;
        k = m * symbols;
        n = (sys->mod_family == MOD_PAM ? 1 : 2) * symbols;
        break;
    }
    case SIM_SYS_CODED_MODEM: {
        if ((rc = check_keys(cx, g, sim_system_types[SIM_SYS_CODED_MODEM]->keys, "a coded_modem system")) !=
            AE_OK)
            return rc;
        const char *scheme = NULL;
        if ((rc = get_string(cx, g, "scheme", "bpsk, qpsk, pskM, qamM or pamM", &scheme)) != AE_OK)
            return rc;
        if (!scheme)
            return cfg_fail(cx, g, "scheme",
                            "missing; expected bpsk, qpsk, pskM, qamM or pamM (e.g. \"qam16\")");
        if (mod_scheme_parse(scheme, &sys->mod_family, &sys->mod_M) != AE_OK)
            return cfg_fail(cx, config_setting_get_member(g, "scheme"), NULL, "%s", ae_err_message());
        // LLRs feed the decoder: exact or max-log demapping
        static const char *const demappers[] = {"exact", "maxlog", NULL};
        int demap = 0;
        if ((rc = get_choice(cx, g, "demapper", demappers,
                             "exact (log-sum-exp LLRs) or maxlog (max-log LLRs)", &demap)) != AE_OK)
            return rc;
        sys->demapper = demap == 0 ? MOD_DEMAP_EXACT : MOD_DEMAP_MAXLOG;
        unsigned m = 0;
        while ((1u << m) < sys->mod_M)
            m++;
        if (m == 0) // mod_scheme_parse gives M >= 2
            return cfg_fail(cx, config_setting_get_member(g, "scheme"), NULL, "expected at least 2 points");
        char canon[32];
        mod_scheme_name(sys->mod_family, sys->mod_M, canon, sizeof canon);
        mod_code_cfg_default(&sys->code);
        const config_setting_t *code;
        if ((rc = get_group(cx, g, "code", &code)) != AE_OK)
            return rc;
        if (code) {
            if ((rc = parse_code(cx, code, &sys->code, m, canon)) != AE_OK)
                return rc;
        } else if (mod_code_cfg_validate(&sys->code, m) != AE_OK) {
            // the default n is not a multiple of this modem's bits per symbol
            char why[1024];
            snprintf(why, sizeof why, "%s", ae_err_message());
            return cfg_fail(cx, g, "code", "%s; give code = { n = ...; } for %s", why, canon);
        }
        sys->symbols = sys->code.n / m;
        k = sys->code.k;
        n = (sys->mod_family == MOD_PAM ? 1 : 2) * sys->symbols;
        break;
    }
    }
    sys->k = (unsigned)k;
    sys->n = (size_t)n;
    sys->channel = *channel;
    const config_setting_t *cs = config_setting_get_member(g, "channel");
    if (cs && (rc = parse_channel(cx, cs, &sys->channel)) != AE_OK)
        return rc;
    const config_setting_t *where = cs ? cs : g;
    const char *chname = sim_channel_name(&sys->channel);
    if (sim_system_check_channel(sys) != AE_OK)
        return cfg_fail(cx, where, NULL, "%s", ae_err_message());
    if (sim_channel_is_complex(&sys->channel)) {
        if (sys->n % 2 != 0)
            return cfg_fail(
                cx, g, "n",
                "system '%s' has n = %zu real channel uses; a %s channel needs an even n (pairs form "
                "complex symbols)",
                sys->name, sys->n, chname);
    }
    char why[512];
    if (!sim_system_learned(sys) && sys->channel.type->coherent_ok &&
        !sys->channel.type->coherent_ok(&sys->channel.params, why, sizeof why))
        return cfg_fail(cx, where, NULL, "system '%s' is a coherent classical scheme on a %s channel: %s",
                        sys->name, chname, why);
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// the whole file

static double default_memory_limit_mib(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return 4096.0;
    return 0.5 * (double)pages * (double)page / 1048576.0; // half of physical memory
}

// The byte count of the well-formed UTF-8 character at p (1..4; RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if p does not start one.
static size_t utf8_length(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

static void base_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, len, "%s", b);
    size_t l = strlen(out);
    if (l > 4 && strcmp(out + l - 4, ".cfg") == 0)
        out[l - 4] = '\0';
    // the name heads comment lines (resolved.cfg, the figure scripts) and names the results folder: a
    // control character (a newline) would end such a line, and a byte that is not UTF-8 stops gnuplot
    for (unsigned char *p = (unsigned char *)out; *p;) {
        size_t n = utf8_length(p);
        if (n == 0) {
            *p++ = '_';
            continue;
        }
        if (n == 1 && (*p < 0x20 || *p == 0x7f))
            *p = '_';
        p += n;
    }
}

static int parse_root(const cfg_ctx *cx, const config_setting_t *root, sim_experiment *ex)
{
    static const char *const interval_words[] = {"wilson", "clopper_pearson", NULL}; // enum sim_interval
    int rc = check_keys(cx, root, keys_top, "the top level");
    if (rc != AE_OK)
        return rc;
    if ((rc = get_u64(cx, root, "seed", 0, UINT64_MAX, &ex->eval.seed)) != AE_OK ||
        (rc = get_double(cx, root, "memory_limit_mib", 1, 1e9, "MiB, 1..1e9", &ex->memory_limit_mib)) !=
            AE_OK)
        return rc;
    ex->memory_limit_set = config_setting_get_member(root, "memory_limit_mib") != NULL;
    sim_channel_cfg_default(&ex->channel);
    const config_setting_t *cs = config_setting_get_member(root, "channel");
    if (cs && (rc = parse_channel(cx, cs, &ex->channel)) != AE_OK)
        return rc;

    const config_setting_t *eval;
    if ((rc = get_group(cx, root, "eval", &eval)) != AE_OK)
        return rc;
    if (!eval)
        return cfg_fail(cx, root, "eval", "missing; expected eval = { ebno_db = [...]; ... };");
    if ((rc = check_keys(cx, eval, keys_eval, "eval")) != AE_OK || (rc = parse_grid(cx, eval, ex)) != AE_OK ||
        (rc = get_u64(cx, eval, "target_block_errors", 0, UINT64_MAX, &ex->eval.target_block_errors)) !=
            AE_OK ||
        (rc = get_u64(cx, eval, "target_bit_errors", 0, UINT64_MAX, &ex->eval.target_bit_errors)) != AE_OK ||
        (rc = get_u64(cx, eval, "max_blocks", 1, UINT64_MAX / 2, &ex->eval.max_blocks)) != AE_OK ||
        (rc = get_size(cx, eval, "chunk_blocks", 1, 100000000, &ex->eval.chunk_blocks)) != AE_OK ||
        (rc = get_size(cx, eval, "batch", 1, 1000000, &ex->eval.batch)) != AE_OK ||
        (rc = get_bool(cx, eval, "early_stop", &ex->early_stop)) != AE_OK ||
        (rc = get_double(cx, eval, "min_bler", 0, 1, "a BLER in [0, 1], 0 = off", &ex->min_bler)) != AE_OK ||
        (rc = get_double(cx, eval, "min_ber", 0, 1, "a BER in [0, 1], 0 = off", &ex->min_ber)) != AE_OK ||
        (rc = get_choice(cx, eval, "interval", interval_words,
                         "wilson or clopper_pearson (the BLER interval of independent blocks)",
                         &ex->eval.interval)) != AE_OK)
        return rc;

    const config_setting_t *systems = config_setting_get_member(root, "systems");
    if (!systems)
        return cfg_fail(cx, root, "systems",
                        "missing; expected systems = ( { name = ...; type = ...; }, ... );");
    if (config_setting_type(systems) != CONFIG_TYPE_LIST)
        return cfg_fail(cx, systems, NULL, "expected a list of groups: ( { ... }, { ... } )");
    int count = config_setting_length(systems);
    if (count < 1)
        return cfg_fail(cx, systems, NULL, "empty; expected at least one system");
    ex->systems = calloc((size_t)count, sizeof *ex->systems);
    if (!ex->systems)
        return AE_ERROR(AE_ENOMEM, "out of memory");
    ex->n_systems = (size_t)count;
    for (int i = 0; i < count; i++) {
        const config_setting_t *g = config_setting_get_elem(systems, (unsigned)i);
        if ((rc = parse_system(cx, g, &ex->systems[i], ex->eval.seed, &ex->channel)) != AE_OK)
            return rc;
        for (int j = 0; j < i; j++)
            if (strcmp(ex->systems[i].name, ex->systems[j].name) == 0)
                return cfg_fail(cx, g, "name", "'%s' is used twice (also at line %d); names must be unique",
                                ex->systems[i].name, ex->systems[j].line);
        if (ex->systems[i].type == SIM_SYS_AUTOENCODER) {
            if (ae_cfg_validate(&ex->systems[i].ae) != AE_OK)
                return cfg_fail(cx, g, NULL, "%s", ae_err_message());
            size_t bytes;
            size_t limit = (size_t)(ex->memory_limit_mib * 1048576.0);
            size_t batch =
                ex->systems[i].train.batch > ex->eval.batch ? ex->systems[i].train.batch : ex->eval.batch;
            if (ae_memory_check(&ex->systems[i].ae, batch, limit, &bytes) != AE_OK)
                return cfg_fail(cx, g, "k", "%s", ae_err_message());
        }
    }
    return AE_OK;
}

// libconfig 1.5's scanner calls exit() when an @include names something it cannot read as a file (a
// folder, such as @include "" or "."). Check every @include of the file (and, recursively, of the files
// it includes) first: each must name a regular, readable file, relative to the including folder `dir`
// unless absolute (*absolute is set when any is). A NUL byte is refused too: libconfig's scanner reads
// past it, the checks here would not (both found by fuzz/fuzz_config.c); so is a UTF-8 byte-order mark
// at the start of an included file (the loader skips one in the config file itself only).
static int check_includes(const char *path, const char *dir, int depth, int *absolute)
{
    if (depth > 10)
        return AE_ERROR(AE_ECONFIG, "%s: @include nested more than 10 deep", path);
    FILE *f = fopen(path, "r");
    if (!f)
        return AE_ERROR(AE_ECONFIG, "%s: cannot read the config file: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = AE_OK;
    while (rc == AE_OK && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        // a NUL would end the C strings below but not libconfig's scanner: a text file has none
        if (memchr(line, '\0', (size_t)len)) {
            rc = AE_ERROR(AE_ECONFIG, "%s:%d: a NUL byte; expected a text config file", path, lineno);
            break;
        }
        const char *p = line;
        if (lineno == 1 && strncmp(p, SIM_UTF8_BOM, 3) == 0) {
            // the loader skips one in the config file itself; libconfig reads included files on its own
            if (depth > 0) {
                rc = AE_ERROR(AE_ECONFIG,
                              "%s:1: starts with a UTF-8 byte-order mark (bytes EF BB BF), which libconfig "
                              "cannot read in an @include'd file; save it as UTF-8 without a BOM",
                              path);
                break;
            }
            p += 3;
        }
        p += strspn(p, " \t");
        if (strncmp(p, "@include", 8) != 0)
            continue;
        const char *q = strchr(p + 8, '"'), *e = q ? strchr(q + 1, '"') : NULL;
        if (!q || !e)
            continue; // libconfig reports the syntax
        char name[4096], full[8300];
        snprintf(name, sizeof name, "%.*s", (int)(e - q - 1), q + 1);
        if (name[0] == '/')
            *absolute = 1;
        if (name[0] == '/' || !*dir)
            snprintf(full, sizeof full, "%s", name);
        else
            snprintf(full, sizeof full, "%s/%s", dir, name);
        struct stat st;
        if (!name[0] || stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            rc = AE_ERROR(AE_ECONFIG, "%s:%d: @include \"%s\": expected a readable config file (%s)", path,
                          lineno, name,
                          !name[0]               ? "the name is empty"
                          : stat(full, &st) != 0 ? strerror(errno)
                                                 : "not a file");
        else
            rc = check_includes(full, dir, depth + 1, absolute);
    }
    free(line);
    fclose(f);
    return rc;
}

// libconfig 1.5 reads an integer literal without the L suffix as 32 bits and silently wraps larger
// values. Find the first such literal in text read from f (outside strings and comments): 1 with the
// literal in num and its line (counted from 1) in *line, 0 if there is none. A literal with the suffix
// (decimal or hexadecimal, L or LL, which libconfig reads as 64 bits) is fine, unless it does not fit in
// 64 signed bits either (libconfig clamps such a decimal to 2^63 - 1 and wraps a hexadecimal one): that
// returns WIDE_64 instead of WIDE_32.
enum { WIDE_32 = 1, WIDE_64 = 2 };
static int find_wide_integer(FILE *f, char *num, size_t len, int *line)
{
    int c, prev = '\n', found = 0;
    *line = 1;
    while (!found && (c = fgetc(f)) != EOF) {
        if (c == '\n') {
            ++*line;
        } else if (c == '"') { // string: skip to the closing quote, honouring escapes
            while ((c = fgetc(f)) != EOF && c != '"') {
                if (c == '\\')
                    c = fgetc(f);
                if (c == '\n')
                    ++*line;
            }
        } else if (c == '#' || (c == '/' && prev == '/')) { // comment to the end of the line
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            ++*line;
        } else if (c == '*' && prev == '/') { // block comment
            int p = 0;
            while ((c = fgetc(f)) != EOF && !(p == '*' && c == '/')) {
                if (c == '\n')
                    ++*line;
                p = c;
            }
        } else if (c >= '0' && c <= '9' && !(isalnum(prev) || prev == '_' || prev == '.')) {
            size_t n = 0;
            num[n++] = (char)c;
            while ((c = fgetc(f)) != EOF && (isalnum(c) || c == '.' || c == '_') && n + 1 < len)
                num[n++] = (char)c;
            num[n] = '\0';
            int hex = n > 1 && (num[1] == 'x' || num[1] == 'X');
            size_t digits = hex ? 2 + strspn(num + 2, "0123456789abcdefABCDEF") : strspn(num, "0123456789");
            const char *suffix = num + digits;
            // plain integers need the suffix above 32 bits; floats (1e11, 2.5) pass; no integer may
            // exceed 64 signed bits
            int suffixed = strcmp(suffix, "L") == 0 || strcmp(suffix, "LL") == 0;
            if (*suffix == '\0' || suffixed) {
                errno = 0;
                char digits_only[64];
                snprintf(digits_only, sizeof digits_only, "%.*s", (int)digits, num);
                unsigned long long v = strtoull(digits_only, NULL, hex ? 16 : 10);
                if (errno == ERANGE || v > 9223372036854775807ULL)
                    found = WIDE_64;
                else if (!suffixed && v > 2147483647ULL)
                    found = WIDE_32;
            }
            if (found)
                break;
            if (c == '\n')
                ++*line;
            if (c == EOF)
                break;
        }
        prev = c;
    }
    return found;
}

static int check_wide_integers(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return AE_OK; // libconfig reports the open error
    char num[64];
    int line, found = find_wide_integer(f, num, sizeof num, &line);
    fclose(f);
    if (found == WIDE_64)
        return AE_ERROR(AE_ECONFIG,
                        "%s:%d: integer %s does not fit in 64 signed bits (libconfig would silently clamp or "
                        "wrap it); expected at most 9223372036854775807L",
                        path, line, num);
    if (found)
        return AE_ERROR(AE_ECONFIG,
                        "%s:%d: integer %s does not fit in 32 bits; libconfig needs an L suffix for such "
                        "values: write %sL (or a float such as 1e11)",
                        path, line, num, num);
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// sweeps: sweep = { train = { ebno_db = [1.0, 3.0]; }; }; gives one system per value (per combination of
// values when several keys are swept), named <system>_<dotted.key>=<value> (%g for floats, so
// ae_train.ebno_db=-1), one _<key>=<value> per swept key

// Deep copy of setting src as a new member (or element, name NULL) of dst.
static config_setting_t *copy_setting(config_setting_t *dst, const char *name, const config_setting_t *src)
{
    int t = config_setting_type(src);
    config_setting_t *c = config_setting_add(dst, name, t);
    if (!c)
        return NULL;
    switch (t) {
    case CONFIG_TYPE_INT: config_setting_set_int(c, config_setting_get_int(src)); break;
    case CONFIG_TYPE_INT64: config_setting_set_int64(c, config_setting_get_int64(src)); break;
    case CONFIG_TYPE_FLOAT: config_setting_set_float(c, config_setting_get_float(src)); break;
    case CONFIG_TYPE_BOOL: config_setting_set_bool(c, config_setting_get_bool(src)); break;
    case CONFIG_TYPE_STRING: config_setting_set_string(c, config_setting_get_string(src)); break;
    default:
        for (int i = 0; i < config_setting_length(src); i++) {
            const config_setting_t *e = config_setting_get_elem(src, (unsigned)i);
            if (!copy_setting(c, t == CONFIG_TYPE_GROUP ? config_setting_name(e) : NULL, e))
                return NULL;
        }
    }
    return c;
}

enum { MAX_SWEEP_KEYS = 8 };

typedef struct sweep_key {
    char path[256];                 // dotted path inside a system, e.g. "train.ebno_db"
    const config_setting_t *values; // the list or array of values
} sweep_key;

// Collect the leaves (lists or arrays of values) under group g into keys.
static int collect_sweep(const cfg_ctx *cx, const config_setting_t *g, const char *prefix, sweep_key *keys,
                         size_t *n)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", config_setting_name(e));
        int t = config_setting_type(e);
        if (t == CONFIG_TYPE_GROUP) {
            int rc = collect_sweep(cx, e, path, keys, n);
            if (rc != AE_OK)
                return rc;
        } else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
            if (config_setting_length(e) < 1)
                return cfg_fail(cx, e, NULL, "an empty sweep; expected a list of values");
            if (*n == MAX_SWEEP_KEYS)
                return cfg_fail(cx, e, NULL, "more than %d swept keys", MAX_SWEEP_KEYS);
            snprintf(keys[*n].path, sizeof keys[*n].path, "%s", path);
            keys[(*n)++].values = e;
        } else {
            return cfg_fail(cx, e, NULL, "expected a list of values to sweep, e.g. [1.0, 3.0]");
        }
    }
    return AE_OK;
}

// Whether a system of this type has the top-level key of path.
static int system_accepts(const config_setting_t *sys, const char *path)
{
    const config_setting_t *ts = config_setting_get_member(sys, "type");
    const char *type =
        ts && config_setting_type(ts) == CONFIG_TYPE_STRING ? config_setting_get_string(ts) : "";
    const sim_system_class *sc = sim_system_type_find(type, NULL);
    const char *const *keys = sc ? sc->keys : NULL;
    size_t len = strcspn(path, ".");
    for (; keys && *keys; keys++)
        if (strlen(*keys) == len && strncmp(*keys, path, len) == 0 && strcmp(*keys, "name") != 0 &&
            strcmp(*keys, "type") != 0)
            return 1;
    return 0;
}

// Set the value at dotted path inside group g (creating groups) to a copy of value.
static int set_path(config_setting_t *g, const char *path, const config_setting_t *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL, *tok = strtok_r(buf, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            if (config_setting_get_member(g, tok))
                config_setting_remove(g, tok);
            return copy_setting(g, tok, value) ? AE_OK : AE_ENOMEM;
        }
        config_setting_t *child = config_setting_get_member(g, tok);
        if (!child)
            child = config_setting_add(g, tok, CONFIG_TYPE_GROUP);
        if (!child || !config_setting_is_group(child))
            return AE_EINVAL;
        g = child;
        tok = next;
    }
    return AE_EINVAL;
}

// Replace the systems list by its sweep expansion.
static int expand_sweeps(const cfg_ctx *cx, config_t *cfg)
{
    config_setting_t *root = config_root_setting(cfg), *sweep = config_setting_get_member(root, "sweep");
    if (!sweep)
        return AE_OK;
    if (config_setting_type(sweep) != CONFIG_TYPE_GROUP)
        return cfg_fail(cx, sweep, NULL, "expected a group: sweep = { train = { ebno_db = [1.0, 3.0]; }; };");
    sweep_key keys[MAX_SWEEP_KEYS];
    size_t nk = 0;
    int rc = collect_sweep(cx, sweep, "", keys, &nk);
    config_setting_t *systems = config_setting_get_member(root, "systems");
    if (rc != AE_OK || !systems || config_setting_type(systems) != CONFIG_TYPE_LIST)
        return rc; // a missing or malformed systems list is reported by parse_root
    for (size_t k = 0; k < nk; k++) {
        int any = 0;
        for (int i = 0; i < config_setting_length(systems); i++)
            any |= system_accepts(config_setting_get_elem(systems, (unsigned)i), keys[k].path);
        if (!any)
            return cfg_fail(cx, keys[k].values, NULL, "no system has the key '%s' to sweep", keys[k].path);
    }
    // copy the systems aside, then rebuild the list
    config_setting_t *orig = config_setting_add(root, "aesimsweepcopy", CONFIG_TYPE_LIST);
    if (!orig || !copy_setting(orig, NULL, systems) || config_setting_remove(root, "systems") != CONFIG_TRUE)
        return AE_ERROR(AE_ENOMEM, "out of memory expanding the sweep");
    orig = config_setting_get_elem(orig, 0);
    config_setting_t *out = config_setting_add(root, "systems", CONFIG_TYPE_LIST);
    for (int i = 0; out && i < config_setting_length(orig); i++) {
        const config_setting_t *sys = config_setting_get_elem(orig, (unsigned)i);
        // the swept keys this system has, and the product of their value counts
        size_t mine[MAX_SWEEP_KEYS], nm = 0, combos = 1;
        for (size_t k = 0; k < nk; k++)
            if (system_accepts(sys, keys[k].path)) {
                mine[nm++] = k;
                combos *= (size_t)config_setting_length(keys[k].values);
            }
        if (combos > 10000)
            return cfg_fail(cx, sweep, NULL, "%zu combinations, expected at most 10000", combos);
        for (size_t c = 0; c < combos; c++) {
            config_setting_t *copy = copy_setting(out, NULL, sys);
            if (!copy)
                return AE_ERROR(AE_ENOMEM, "out of memory expanding the sweep");
            const config_setting_t *ns = config_setting_get_member(sys, "name");
            char name[512];
            snprintf(name, sizeof name, "%s",
                     ns && config_setting_type(ns) == CONFIG_TYPE_STRING ? config_setting_get_string(ns)
                                                                         : "system");
            size_t rest = c;
            for (size_t j = 0; j < nm; j++) {
                const sweep_key *key = &keys[mine[j]];
                int len = config_setting_length(key->values);
                const config_setting_t *v =
                    config_setting_get_elem(key->values, (unsigned)(rest % (size_t)len));
                rest /= (size_t)len;
                if (set_path(copy, key->path, v) != AE_OK)
                    return cfg_fail(cx, key->values, NULL, "cannot set '%s' in system '%s'", key->path, name);
                size_t l = strlen(name);
                int vt = config_setting_type(v);
                if (vt == CONFIG_TYPE_STRING)
                    snprintf(name + l, sizeof name - l, "_%s=%s", key->path, config_setting_get_string(v));
                else if (vt == CONFIG_TYPE_INT || vt == CONFIG_TYPE_INT64)
                    snprintf(name + l, sizeof name - l, "_%s=%lld", key->path, config_setting_get_int64(v));
                else if (vt == CONFIG_TYPE_BOOL)
                    snprintf(name + l, sizeof name - l, "_%s=%s", key->path,
                             config_setting_get_bool(v) ? "true" : "false");
                else
                    snprintf(name + l, sizeof name - l, "_%s=%g", key->path, number_of(v));
            }
            config_setting_t *nset = config_setting_get_member(copy, "name");
            if (nset)
                config_setting_set_string(nset, name);
        }
    }
    config_setting_remove(root, "aesimsweepcopy");
    config_setting_remove(root, "sweep");
    return out ? AE_OK : AE_ERROR(AE_ENOMEM, "out of memory expanding the sweep");
}

// An override as messages quote it: whole when short, else its head and tail around the length, so that
// the reason after it always fits in the message.
static void brief_override(const char *set, char *buf, size_t len)
{
    size_t n = strlen(set);
    if (n <= 96)
        snprintf(buf, len, "%s", set);
    else
        snprintf(buf, len, "%.60s...%s (%zu characters)", set, set + n - 24, n);
}

// The type of a setting in words, for messages.
static const char *type_words(const config_setting_t *s)
{
    if (!s)
        return "nothing";
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_ARRAY:
    case CONFIG_TYPE_LIST: return "a list";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    default: return "a number";
    }
}

// The value of an override as a setting of the scratch config (the member "aesimsetvalue" of its root):
// libconfig syntax (a number, true/false, a quoted string, a list [..] or (..), a group {..}), with
// three conveniences: a decimal integer is 64-bit without the L suffix, a number libconfig does not read
// (-0x10) is a float, and anything else that does not start like a list, group or quoted string is a bare
// string (qam16, or taps 0.8,0,0.6j). AE_ECONFIG naming the override otherwise.
static int parse_override_value(const char *file, const char *brief, const char *value, config_t *scratch,
                                config_setting_t **out)
{
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return AE_ERROR(AE_ECONFIG,
                            "%s: --set '%s': the value holds a control character; expected one "
                            "line of libconfig syntax",
                            file, brief);
    config_setting_t *root = config_root_setting(scratch);
    char *end;
    errno = 0;
    long long iv = strtoll(value, &end, 10);
    if (*value && *end == '\0' && errno == 0 && value[strspn(value, " \t")] != '\0') {
        *out = config_setting_add(root, "aesimsetvalue", CONFIG_TYPE_INT64);
        if (*out)
            config_setting_set_int64(*out, iv);
        return *out ? AE_OK : AE_ERROR(AE_ENOMEM, "out of memory");
    }
    // one trailing ';' as in a file is fine
    size_t len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (len > 0 && value[len - 1] == ';')
        len--;
    char *text = malloc(len + 32);
    if (!text)
        return AE_ERROR(AE_ENOMEM, "out of memory");
    snprintf(text, len + 32, "aesimsetvalue = %.*s;", (int)len, value);
    int ok = config_read_string(scratch, text) == CONFIG_TRUE;
    free(text);
    root = config_root_setting(scratch);
    if (ok) {
        if (config_setting_length(root) != 1)
            return AE_ERROR(AE_ECONFIG, "%s: --set '%s': expected one value, not further settings after it",
                            file, brief);
        char num[64];
        int line;
        FILE *mem = fmemopen((void *)value, strlen(value), "r");
        int wide = mem ? find_wide_integer(mem, num, sizeof num, &line) : 0;
        if (mem)
            fclose(mem);
        if (wide == WIDE_64)
            return AE_ERROR(AE_ECONFIG,
                            "%s: --set '%s': integer %s does not fit in 64 signed bits; expected at most "
                            "9223372036854775807",
                            file, brief, num);
        if (wide)
            return AE_ERROR(AE_ECONFIG,
                            "%s: --set '%s': integer %s does not fit in 32 bits; write %sL (or a float such "
                            "as 1e11)",
                            file, brief, num, num);
        *out = config_setting_get_member(root, "aesimsetvalue");
        return AE_OK;
    }
    const char *err = config_error_text(scratch);
    errno = 0;
    double dv = strtod(value, &end);
    if (*value && *end == '\0' && errno != EINVAL && end != value) {
        config_destroy(scratch);
        config_init(scratch);
        *out = config_setting_add(config_root_setting(scratch), "aesimsetvalue", CONFIG_TYPE_FLOAT);
        if (*out)
            config_setting_set_float(*out, dv);
        return *out ? AE_OK : AE_ERROR(AE_ENOMEM, "out of memory");
    }
    int first = (unsigned char)value[strspn(value, " \t")];
    int structured = first == '[' || first == '(' || first == '{' || first == '"';
    if (structured || !*value)
        return AE_ERROR(
            AE_ECONFIG,
            "%s: --set '%s': the value is not libconfig syntax (%s)%s; expected e.g. 5, 1e6, true, "
            "\"text\", [0.0, 5.0] or { start = 0.0; stop = 5.0; step = 1.0; }",
            file, brief, *value ? err : "empty",
            strstr(err, "mismatched element type")
                ? ": the elements of [...] share one type, write 1.0, not 1, among floats"
                : "");
    config_destroy(scratch);
    config_init(scratch);
    *out = config_setting_add(config_root_setting(scratch), "aesimsetvalue", CONFIG_TYPE_STRING);
    if (*out)
        config_setting_set_string(*out, value);
    return *out ? AE_OK : AE_ERROR(AE_ENOMEM, "out of memory");
}

// Replace element `index` ("[N]") of the list or array g (at path `walked`) by the override's value:
// the later elements are set aside in the scratch config, the tail removed, the new value and the saved
// elements appended (libconfig has no insertion at an index).
static int replace_element(config_setting_t *g, const char *file, const char *brief, const char *walked,
                           const char *index, const char *value)
{
    char *end;
    long idx = strtol(index + 1, &end, 10);
    int len = config_setting_is_aggregate(g) ? config_setting_length(g) : 0;
    if (config_setting_is_group(g) || !config_setting_is_aggregate(g))
        return AE_ERROR(AE_ECONFIG, "%s: --set '%s': %s is %s, not a list, so it has no element %s", file,
                        brief, walked[0] ? walked : "the top level", type_words(g), index);
    if (end[0] != ']' || end[1] != '\0' || idx < 0 || idx >= len)
        return AE_ERROR(AE_ECONFIG, "%s: --set '%s': %s has no element %s (it has %d)", file, brief, walked,
                        index, len);
    config_t scratch;
    config_init(&scratch);
    config_setting_t *v = NULL;
    int rc = parse_override_value(file, brief, value, &scratch, &v);
    config_setting_t *saved =
        rc == AE_OK ? config_setting_add(config_root_setting(&scratch), "aesimsaved", CONFIG_TYPE_LIST)
                    : NULL;
    if (rc == AE_OK && !saved)
        rc = AE_ERROR(AE_ENOMEM, "out of memory");
    for (int i = (int)idx + 1; rc == AE_OK && i < len; i++)
        if (!copy_setting(saved, NULL, config_setting_get_elem(g, (unsigned)i)))
            rc = AE_ERROR(AE_ENOMEM, "out of memory");
    if (rc == AE_OK) {
        for (int i = len - 1; i >= (int)idx; i--)
            config_setting_remove_elem(g, (unsigned)i);
        if (!copy_setting(g, NULL, v))
            rc = AE_ERROR(AE_ECONFIG,
                          "%s: --set '%s': cannot put %s into %s (the elements of an array share one type: "
                          "write 1.0, not 1, among floats)",
                          file, brief, type_words(v), walked);
        for (int i = 0; rc == AE_OK && i < config_setting_length(saved); i++)
            if (!copy_setting(g, NULL, config_setting_get_elem(saved, (unsigned)i)))
                rc = AE_ERROR(AE_ENOMEM, "out of memory");
    }
    config_destroy(&scratch);
    return rc;
}

// Apply one "path=value" override to cfg (see sim_config_load_overrides).
static int apply_override(config_t *cfg, const char *file, const char *set)
{
    char brief[160];
    brief_override(set, brief, sizeof brief);
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        return AE_ERROR(AE_ECONFIG, "--set '%s': expected path.to.key=value", brief);
    char path[512];
    size_t plen = (size_t)(eq - set);
    if (plen >= sizeof path)
        return AE_ERROR(AE_ECONFIG,
                        "%s: --set '%s': the key path is %zu characters long, expected at most %zu", file,
                        brief, plen, sizeof path - 1);
    memcpy(path, set, plen);
    path[plen] = '\0';
    const char *value = eq + 1;
    // walk the path, creating missing groups; the last component is the key
    config_setting_t *g = config_root_setting(cfg);
    char walked[512] = "";
    char *save = NULL, *tok = strtok_r(path, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next)
            break;
        config_setting_t *child;
        if (tok[0] == '[') {
            char *end;
            long idx = strtol(tok + 1, &end, 10);
            child = (end[0] == ']' && end[1] == '\0' && idx >= 0 && config_setting_is_aggregate(g))
                        ? config_setting_get_elem(g, (unsigned)idx)
                        : NULL;
            if (!child)
                return AE_ERROR(AE_ECONFIG, "%s: --set '%s': %s%shas no element %s (it has %d)", file, brief,
                                walked, *walked ? " " : "", tok,
                                config_setting_is_aggregate(g) ? config_setting_length(g) : 0);
        } else {
            if (strchr(tok, '['))
                return AE_ERROR(AE_ECONFIG,
                                "%s: --set '%s': '%s': libconfig paths put a dot before an index, as in "
                                "systems.[0].train.lr",
                                file, brief, tok);
            if (!config_setting_is_group(g))
                break; // reported below with what g is
            child = config_setting_get_member(g, tok);
            if (!child)
                child = config_setting_add(g, tok, CONFIG_TYPE_GROUP);
            if (!child)
                return AE_ERROR(AE_ECONFIG, "%s: --set '%s': cannot add '%s'", file, brief, tok);
        }
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", tok);
        g = child;
        tok = next;
    }
    if (!tok)
        return AE_ERROR(AE_ECONFIG,
                        "%s: --set '%s': expected a key path ending in a key, such as eval.max_blocks or "
                        "systems.[0].tx_hidden",
                        file, brief);
    if (tok[0] == '[')
        return replace_element(g, file, brief, walked, tok, value);
    if (!config_setting_is_group(g)) {
        // e.g. eval.ebno_db.start on a list grid: g has no keys
        const char *name = config_setting_name(g);
        int grid = name && (strcmp(name, "ebno_db") == 0 || strcmp(name, "esno_db") == 0);
        char hint[320];
        if (grid)
            snprintf(
                hint, sizeof hint,
                "set the whole grid instead, e.g. --set '%s={ start = 2.0; stop = 10.0; step = 1.0; }' or "
                "--set '%s=[2.0, 4.0]'",
                walked, walked);
        else if (config_setting_is_aggregate(g))
            snprintf(hint, sizeof hint, "set it whole (--set '%s=[...]') or one element (%s.[0])", walked,
                     walked);
        else
            snprintf(hint, sizeof hint, "set it whole (--set '%s=...')", walked);
        return AE_ERROR(AE_ECONFIG, "%s: --set '%s': %s is %s, not a group, so it has no key '%s'; %s", file,
                        brief, walked, type_words(g), tok, hint);
    }
    config_t scratch;
    config_init(&scratch);
    config_setting_t *v = NULL;
    int rc = parse_override_value(file, brief, value, &scratch, &v);
    if (rc == AE_OK) {
        if (config_setting_get_member(g, tok))
            config_setting_remove(g, tok);
        // the grid is either ebno_db or esno_db: setting one replaces the other
        const char *gname = config_setting_name(g);
        if (gname && strcmp(gname, "eval") == 0 && config_setting_parent(g) &&
            config_setting_is_root(config_setting_parent(g))) {
            const char *other = strcmp(tok, "ebno_db") == 0   ? "esno_db"
                                : strcmp(tok, "esno_db") == 0 ? "ebno_db"
                                                              : NULL;
            if (other && config_setting_get_member(g, other))
                config_setting_remove(g, other);
        }
        if (!copy_setting(g, tok, v))
            rc = AE_ERROR(AE_ECONFIG, "%s: --set '%s': cannot set it", file, brief);
    }
    config_destroy(&scratch);
    return rc;
}

// Read the config file at path (in folder dir, "" for the working folder) into *cfg (initialised here;
// destroyed again on error). A UTF-8 byte-order mark at its start is skipped. @include names are taken
// relative to dir: libconfig 1.5 puts its include folder in front of every name, absolute ones too, so
// a config with an absolute @include (`absolute`) is read with the working folder switched to dir and no
// include folder, and the working folder restored after. AE_ECONFIG with "FILE:LINE: ..." on a syntax
// error.
static int read_config(const char *path, const char *dir, int absolute, config_t *cfg)
{
    config_init(cfg);
    FILE *f = fopen(path, "r");
    if (!f) {
        int err = errno;
        config_destroy(cfg);
        return AE_ERROR(AE_ECONFIG, "%s: cannot read the config file: %s", path, strerror(err));
    }
    char bom[3];
    if (fread(bom, 1, 3, f) != 3 || memcmp(bom, SIM_UTF8_BOM, 3) != 0)
        rewind(f);
    int here = -1, moved = 0;
    if (dir[0] && absolute) {
        here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (here < 0 || chdir(dir) != 0) {
            int err = errno;
            if (here >= 0)
                close(here);
            fclose(f);
            config_destroy(cfg);
            return AE_ERROR(AE_ECONFIG, "%s: cannot read its @include files from %s: %s", path, dir,
                            strerror(err));
        }
        moved = 1;
    } else if (dir[0]) {
        config_set_include_dir(cfg, dir);
    }
    int ok = config_read(cfg, f) == CONFIG_TRUE;
    int back = !moved || fchdir(here) == 0, back_errno = errno;
    if (here >= 0)
        close(here);
    fclose(f);
    if (!back) {
        config_destroy(cfg);
        return AE_ERROR(AE_EIO, "cannot return to the working folder after reading %s: %s", path,
                        strerror(back_errno));
    }
    if (ok)
        return AE_OK;
    const char *text = config_error_text(cfg), *efile = config_error_file(cfg);
    char where[8300];
    // an included file's name as the @include wrote it, relative to dir
    if (!efile)
        snprintf(where, sizeof where, "%s", path);
    else if (dir[0] && efile[0] != '/')
        snprintf(where, sizeof where, "%s/%s", dir, efile);
    else
        snprintf(where, sizeof where, "%s", efile);
    const char *hint = "";
    if (strstr(text, "mismatched element type"))
        hint = " (the elements of an array share one type: write 1.0, not 1, among floats)";
    else if (strstr(text, "include"))
        hint = " (the @include on that line names a file libconfig could not open)";
    int rc = AE_ERROR(AE_ECONFIG, "%s:%d: %s%s%s", where, config_error_line(cfg),
                      strcmp(text, "syntax error") == 0 ? "" : "syntax error: ", text, hint);
    config_destroy(cfg);
    return rc;
}

int sim_config_load(const char *path, sim_experiment *ex)
{
    return sim_config_load_overrides(path, NULL, 0, ex);
}

int sim_config_load_overrides(const char *path, const char *const *sets, size_t n_sets, sim_experiment *ex)
{
    memset(ex, 0, sizeof *ex);
    struct stat st;
    if (stat(path, &st) != 0)
        return AE_ERROR(AE_ECONFIG, "%s: cannot open the config file: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return AE_ERROR(AE_ECONFIG, "%s: is a folder; expected a config file (.cfg)", path);
    if (!S_ISREG(st.st_mode))
        return AE_ERROR(AE_ECONFIG, "%s: not a regular file; expected a config file (.cfg)", path);
    int wide = check_wide_integers(path);
    if (wide != AE_OK)
        return wide;
    // @include paths are taken relative to the config file's folder
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    int absolute = 0;
    int inc = check_includes(path, dir, 0, &absolute);
    if (inc != AE_OK)
        return inc;
    config_t cfg;
    int rc = read_config(path, dir, absolute, &cfg);
    if (rc != AE_OK)
        return rc;
    for (size_t i = 0; i < n_sets; i++) {
        int orc = apply_override(&cfg, path, sets[i]);
        if (orc != AE_OK) {
            config_destroy(&cfg);
            return orc;
        }
    }
    cfg_ctx sweep_cx = {path, dir};
    int src = expand_sweeps(&sweep_cx, &cfg);
    if (src != AE_OK) {
        config_destroy(&cfg);
        return src;
    }
    snprintf(ex->path, sizeof ex->path, "%s", path);
    base_name(path, ex->name, sizeof ex->name);
    sim_eval_cfg_default(&ex->eval);
    ex->early_stop = 1;
    ex->min_bler = 0.0;
    ex->memory_limit_mib = default_memory_limit_mib();
    cfg_ctx cx = {path, dir};
    rc = parse_root(&cx, config_root_setting(&cfg), ex);
    config_destroy(&cfg);
    if (rc != AE_OK) {
        sim_experiment_free(ex);
        memset(ex, 0, sizeof *ex);
    }
    return rc;
}

void sim_experiment_free(sim_experiment *ex)
{
    free(ex->ebno_db);
    free(ex->systems);
    ex->ebno_db = NULL;
    ex->systems = NULL;
    ex->n_ebno = ex->n_systems = 0;
}

// ---------------------------------------------------------------------------------------------
// writing the resolved config

// A double as libconfig reads it back as a float: always with a decimal point or exponent.
static void format_float(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.17g", v);
    // shortest representation that round-trips
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    size_t len = strlen(buf);
    if (!strpbrk(buf, ".eEn") && len + 3 <= size)
        memcpy(buf + len, ".0", 3);
}

static void put_float(FILE *f, double v)
{
    char buf[64];
    format_float(v, buf, sizeof buf);
    fputs(buf, f);
}

static void put_widths(FILE *f, size_t count, const size_t *w)
{
    fputc('[', f);
    for (size_t i = 0; i < count; i++)
        fprintf(f, "%s%zu", i ? ", " : "", w[i]);
    fputc(']', f);
}

// A float setting as libconfig reads it back to the same float: the shortest decimal that does.
static void put_float32(FILE *f, float v)
{
    char buf[64];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if ((float)strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
    if (!strpbrk(buf, ".eEn"))
        fputs(".0", f);
}

// A coded_modem's code group with every key, read back by parse_code.
static void put_code(FILE *f, const mod_code_cfg *c)
{
    if (c->type == MOD_CODE_HAMMING74) { // no rate matching, no iterations: its keys only
        fprintf(f, "{ type = \"%s\"; k = %u; n = %u; decoder = \"%s\"; }", mod_code_type_name(c->type), c->k,
                c->n, mod_hamming_decoder_name(c->hamming_decoder));
        return;
    }
    fprintf(f, "{ type = \"%s\"; k = %u; n = %u; rv = %u; interleave = %s; iterations = %u;\n",
            mod_code_type_name(c->type), c->k, c->n, c->rv, c->interleave ? "true" : "false",
            c->dec.iterations);
    fprintf(f, "             decoder = \"%s\"; schedule = \"%s\"; early_stop = %s; llr_clip = ",
            ldpc5g_algorithm_name(c->dec.algorithm), ldpc5g_schedule_name(c->dec.schedule),
            c->dec.early_stop ? "true" : "false");
    put_float32(f, c->dec.llr_clip);
    fputs("; offset = ", f);
    put_float32(f, c->dec.offset);
    fputs("; scale = ", f);
    put_float32(f, c->dec.scale);
    fputs("; }", f);
}

// A channel group with every key of its type (TEXT keys only when set), read back by parse_channel.
static void put_channel(FILE *f, const sim_channel_cfg *c)
{
    const ch_type *t = c->type;
    fprintf(f, "{ type = \"%s\";", t->name);
    if (c->black_box)
        fprintf(f, " black_box = true;");
    for (size_t i = 0; i < t->n_keys; i++) {
        const ch_key *k = &t->keys[i];
        char v[4200];
        if (k->kind == CH_KEY_TEXT) {
            k->format(&c->params, v, sizeof v);
            if (!v[0])
                continue;
        }
        ch_key_format(k, &c->params, v, sizeof v);
        fprintf(f, " %s = %s;", k->name, v);
    }
    fprintf(f, " }");
}

// What write_experiment writes besides the keys that decide results.
enum {
    WRITE_MEMORY = 1, // memory_limit_mib (a bound on the memory asked for)
    WRITE_POLICY = 2  // train.fail_on_divergence (whether a diverged training is an error)
};

// The experiment as config text; extra: WRITE_* flags of the keys that do not change results.
static void write_experiment(FILE *f, const sim_experiment *ex, int extra)
{
    fprintf(f, "seed = %lluL;\n", (unsigned long long)ex->eval.seed);
    fprintf(f, "channel = ");
    put_channel(f, &ex->channel);
    fprintf(f, ";\n");
    if (extra & WRITE_MEMORY) {
        fprintf(f, "memory_limit_mib = ");
        put_float(f, ex->memory_limit_mib);
        fprintf(f, ";\n");
    }
    fprintf(f, "eval = {\n  %s = [", ex->grid_esno ? "esno_db" : "ebno_db");
    for (size_t i = 0; i < ex->n_ebno; i++) {
        fputs(i ? ", " : "", f);
        put_float(f, ex->ebno_db[i]);
    }
    fprintf(f, "];\n  target_block_errors = %lluL;\n  target_bit_errors = %lluL;\n  max_blocks = %lluL;\n",
            (unsigned long long)ex->eval.target_block_errors, (unsigned long long)ex->eval.target_bit_errors,
            (unsigned long long)ex->eval.max_blocks);
    fprintf(f,
            "  chunk_blocks = %zu;\n  batch = %zu;\n  early_stop = %s;\n  min_bler = ", ex->eval.chunk_blocks,
            ex->eval.batch, ex->early_stop ? "true" : "false");
    put_float(f, ex->min_bler);
    fprintf(f, ";\n  min_ber = ");
    put_float(f, ex->min_ber);
    fprintf(f, ";\n  interval = \"%s\";\n};\nsystems = (\n", sim_interval_name(ex->eval.interval));
    for (size_t i = 0; i < ex->n_systems; i++) {
        const sim_system_cfg *s = &ex->systems[i];
        fprintf(f, "  { name = \"%s\"; type = \"%s\";", s->name, sim_system_type_name(s->type));
        switch (s->type) {
        case SIM_SYS_AUTOENCODER: {
            const sim_train_cfg *t = &s->train;
            fprintf(f, " n = %zu; k = %u; norm = \"%s\";\n    tx_hidden = ", s->n, s->k,
                    s->ae.norm == AE_NORM_POWER ? "power" : "energy");
            put_widths(f, s->ae.n_tx_hidden, s->ae.tx_hidden);
            fprintf(f, "; rx_hidden = ");
            put_widths(f, s->ae.n_rx_hidden, s->ae.rx_hidden);
            fprintf(f, ";\n    train = { steps = %lluL; batch = %zu; lr = ", (unsigned long long)t->steps,
                    t->batch);
            put_float(f, t->lr);
            fprintf(f, "; lr_final = ");
            put_float(f, t->lr_final);
            fprintf(f, "; schedule = \"%s\"; ebno_db = ", sim_lr_schedule_name(t->schedule));
            put_float(f, t->ebno_db);
            fprintf(f, ";\n              seed = %lluL; log_every = %lluL; checkpoint_every = %lluL;",
                    (unsigned long long)t->seed, (unsigned long long)t->log_every,
                    (unsigned long long)t->checkpoint_every);
            if (extra & WRITE_POLICY)
                fprintf(f, " fail_on_divergence = %s;", t->fail_on_divergence ? "true" : "false");
            fprintf(f, " };");
            break;
        }
        case SIM_SYS_UNCODED_BPSK: fprintf(f, " k = %u;", s->k); break;
        case SIM_SYS_HAMMING74:
            fprintf(f, " decoder = \"%s\";", s->decoder == MOD_HAMMING_HARD ? "hard" : "ml");
            break;
        case SIM_SYS_MODEM: {
            char scheme[32];
            static const char *const demappers[] = {"hard", "exact", "maxlog"};
            fprintf(f, " scheme = \"%s\"; symbols = %zu; demapper = \"%s\";",
                    mod_scheme_name(s->mod_family, s->mod_M, scheme, sizeof scheme), s->symbols,
                    demappers[s->demapper]);
            break;
        }
        case SIM_SYS_CODED_MODEM: {
            char scheme[32];
            fprintf(f, " scheme = \"%s\"; demapper = \"%s\";\n    code = ",
                    mod_scheme_name(s->mod_family, s->mod_M, scheme, sizeof scheme),
                    s->demapper == MOD_DEMAP_MAXLOG ? "maxlog" : "exact");
            put_code(f, &s->code);
            fputc(';', f);
            break;
        }
        }
        fprintf(f, "\n    channel = ");
        put_channel(f, &s->channel);
        fprintf(f, "; }");
        fprintf(f, "%s\n", i + 1 < ex->n_systems ? "," : "");
    }
    fprintf(f, ");\n");
}

char *sim_config_resolved_text(const sim_experiment *ex)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        AE_ERROR(AE_ENOMEM, "out of memory");
        return NULL;
    }
    write_experiment(f, ex, 0);
    if (fclose(f) != 0) {
        free(text);
        AE_ERROR(AE_ENOMEM, "out of memory");
        return NULL;
    }
    return text;
}

int sim_config_write_resolved(const sim_experiment *ex, const char *path, const char *version)
{
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc != AE_OK)
        return rc;
    fprintf(out.f, "# %s: the resolved experiment (every default filled in), written by aesim %s.\n",
            ex->name, version);
    fprintf(out.f, "# Rerunning it reproduces the counts of results.csv on the same machine and build.\n");
    if (ex->parameters[0])
        fprintf(out.f, "# parameters: %s\n", ex->parameters);
    write_experiment(out.f, ex, (ex->memory_limit_set ? WRITE_MEMORY : 0) | WRITE_POLICY);
    return sim_file_commit(&out);
}

// One line of `aesim list`: the setting (printf format), padded so that the comments line up, then
// "# comment" (none if comment is NULL); further comment lines follow as given.
__attribute__((format(printf, 4, 5))) static void list_row(FILE *f, const char *indent, const char *comment,
                                                           const char *fmt, ...)
{
    char setting[512];
    va_list ap;
    va_start(ap, fmt);
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): ap is started just above (analyzer false positive)
    vsnprintf(setting, sizeof setting, fmt, ap);
    va_end(ap);
    if (!comment) {
        fprintf(f, "%s%s\n", indent, setting);
        return;
    }
    int width = 34 - (int)strlen(indent);
    fprintf(f, "%s%-*s # %s\n", indent, width < 1 ? 1 : width, setting, comment);
}

// Every key of channel type t at its default, one row each with what it accepts; keys without a value
// (TEXT keys not set by default) as comments.
static void list_channel_keys(FILE *f, const ch_type *t, const char *indent, int commented)
{
    sim_channel_cfg c;
    sim_channel_cfg_default(&c);
    sim_channel_cfg_set_type(&c, t);
    for (size_t i = 0; i < t->n_keys; i++) {
        const ch_key *k = &t->keys[i];
        char v[512], expect[512], setting[1100];
        int unset = 0;
        if (k->kind == CH_KEY_TEXT) {
            k->format(&c.params, v, sizeof v);
            unset = !v[0];
        }
        ch_key_format(k, &c.params, v, sizeof v);
        ch_key_expect(k, expect, sizeof expect);
        snprintf(setting, sizeof setting, "%s%s = %s;", commented || unset ? "# " : "", k->name, v);
        list_row(f, indent, expect, "%s", setting);
    }
}

// The coded_modem example of `aesim list`, every code key at its default (mod_code_cfg_default).
static void list_coded(FILE *f)
{
    mod_code_cfg c;
    mod_code_cfg_default(&c);
    char words[256];
    const char *in2 = "    ", *in3 = "      ";
    fprintf(
        f,
        "  # a 5G NR LDPC code (38.212: base graph from k and the rate, rate matching, bit interleaver)\n"
        "  # in front of a modem (BICM): scheme as for a modem (code.n symbols' worth of bits per block);\n"
        "  # demapper: \"exact\" (log-sum-exp LLRs) | \"maxlog\" (max-log LLRs). Eb counts the k\n"
        "  # information bits: Es/N0 = Eb/N0 + 10 log10(k / n * bits per symbol)\n"
        "  { name = \"ldpc_qpsk\"; type = \"coded_modem\"; scheme = \"qpsk\"; demapper = \"exact\";\n"
        "    code = {\n");
    list_row(f, in3, "\"ldpc5g\" (5G NR LDPC) | \"hamming_7_4\" (k / 4 Hamming", "type = \"%s\";",
             mod_code_type_name(c.type));
    list_row(f, in3, "(7,4) codewords, n = 7 k / 4, decoder \"hard\" | \"ml\")", "%s", "");
    list_row(f, in3, "information bits per codeword, 1..8448 (BG2: 1..3840)", "k = %u;", c.k);
    list_row(f, in3, "transmitted code bits per codeword, > k, a multiple", "n = %u;", c.n);
    list_row(f, in3, "of the scheme's bits per symbol", "%s", "");
    list_row(f, in3, "redundancy version, 0..3", "rv = %u;", c.rv);
    list_row(f, in3, "the bit interleaver of 38.212 Sec. 5.4.2.2", "interleave = %s;",
             c.interleave ? "true" : "false");
    list_row(f, in3, "decoder iterations, 1..1000", "iterations = %u;", c.dec.iterations);
    word_list(ldpc5g_algorithm_name, LDPC5G_SUM_PRODUCT, LDPC5G_NORMALIZED_MIN_SUM, words, sizeof words);
    list_row(f, in3, "check update: one of", "decoder = \"%s\";", ldpc5g_algorithm_name(c.dec.algorithm));
    list_row(f, in3, words, "%s", "");
    word_list(ldpc5g_schedule_name, LDPC5G_FLOODING, LDPC5G_LAYERED, words, sizeof words);
    list_row(f, in3, words, "schedule = \"%s\";", ldpc5g_schedule_name(c.dec.schedule));
    list_row(f, in3, "true: stop a codeword at a zero syndrome", "early_stop = %s;",
             c.dec.early_stop ? "true" : "false");
    list_row(f, in3, "|LLR| bound on channel LLRs and messages, > 0", "llr_clip = %g;",
             (double)c.dec.llr_clip);
    list_row(f, in3, "beta of offset_min_sum, >= 0", "offset = %g;", (double)c.dec.offset);
    list_row(f, in3, "alpha of normalized_min_sum, (0, 1]", "scale = %g;", (double)c.dec.scale);
    fprintf(f, "%s}; }\n", in2);
}

void sim_config_print_keys(FILE *f)
{
    // every value below comes from the defaults the loader starts from
    sim_eval_cfg ev;
    sim_eval_cfg_default(&ev);
    sim_train_cfg tr;
    sim_train_cfg_default(&tr);
    ae_cfg ae;
    ae_cfg_default(&ae, 4, 7);
    char mem[64], lr[64], lrf[64], teb[64];
    format_float(default_memory_limit_mib(), mem, sizeof mem);
    format_float(tr.lr, lr, sizeof lr);
    format_float(tr.lr_final, lrf, sizeof lrf);
    format_float(tr.ebno_db, teb, sizeof teb);
    const char *top = "", *in1 = "  ", *in2 = "    ", *in3 = "      ";
    fprintf(
        f,
        "# Every config key with its default, as a complete config (aesim check accepts it as it is).\n"
        "# Comments give units and ranges; \"a\" | \"b\" lists every word a key accepts. Integers of 2^31\n"
        "# or more need libconfig's L suffix (or a float such as 1e11).\n\n");
    list_row(f, top, "master seed of the evaluation streams, 0..2^63-1", "seed = %lluL;",
             (unsigned long long)ev.seed);
    list_row(f, top, "most memory a learned system may need, MiB, 1..1e9; default",
             "# memory_limit_mib = %s;", mem);
    list_row(f, top, "half of this machine's memory, as here", "%s", "");
    fprintf(f,
            "# the systems' channel (a system's own channel = { ... } overrides it): a word (the type with\n"
            "# every key at its default) or a group { type = \"...\"; KEY = VALUE; ... }. Any channel takes\n"
            "# black_box = true: no backward pass is ever called (conventional training through it is\n"
            "# refused). The types and their keys:\n");
    for (size_t i = 0; ch_registry[i]; i++) {
        fprintf(f, "#   type = \"%s\": %s\n", ch_registry[i]->name, ch_registry[i]->summary);
        if (strcmp(ch_registry[i]->name, "ofdm") != 0)
            list_channel_keys(f, ch_registry[i], "#     ", 0);
        else
            fprintf(f, "#     (its keys at the last system below)\n");
    }
    list_row(f, top, NULL, "channel = { type = \"awgn\"; black_box = false; };");
    fprintf(f, "eval = {\n"
               "  # the grid, dB, -100..100: a list [0.0, 2.5], or { start = 0.0; stop = 8.0; step = 2.0; }\n"
               "  # (step 0.001..100, default 1; stop included); esno_db = ... instead is an Es/N0 grid\n");
    list_row(f, in1, NULL, "ebno_db = [0.0, 2.0, 4.0, 6.0, 8.0];");
    list_row(f, in1, "stop a point at this many block errors (0: rule off)", "target_block_errors = %lluL;",
             (unsigned long long)ev.target_block_errors);
    list_row(f, in1, "stop a point at this many bit errors (0: rule off)", "target_bit_errors = %lluL;",
             (unsigned long long)ev.target_bit_errors);
    list_row(f, in1, "and in any case after this many blocks, >= 1", "max_blocks = %lluL;",
             (unsigned long long)ev.max_blocks);
    list_row(f, in1, "blocks per reproducible chunk, 1..1e8", "chunk_blocks = %zu;", ev.chunk_blocks);
    list_row(f, in1, "blocks per transmit/receive call, 1..1e6", "batch = %zu;", ev.batch);
    list_row(f, in1, "a point with no block error ends the system's sweep", "early_stop = true;");
    list_row(f, in1, "a point below this BLER ends the system's sweep (0: off)", "min_bler = 0.0;");
    list_row(f, in1, "a point below this BER ends the system's sweep (0: off)", "min_ber = 0.0;");
    list_row(f, in1, "the BLER interval of independent blocks: \"wilson\" |", "interval = \"%s\";",
             sim_interval_name(ev.interval));
    list_row(f, in1, "\"clopper_pearson\" (exact binomial)", "%s", "");
    fprintf(
        f,
        "};\n"
        "# sweep = { train = { ebno_db = [1.0, 3.0]; }; };  # one system per value (per combination of\n"
        "#   values) of every system that has the key, named <system>_<key>=<value>\n"
        "systems = (\n"
        "  # name: 1..63 characters of [a-z0-9_.=+-] (also the file names of its checkpoint and figures);\n"
        "  # type: \"autoencoder\" | \"uncoded_bpsk\" | \"hamming_7_4\" | \"modem\" | \"coded_modem\"\n"
        "  { name = \"ae_7_4\"; type = \"autoencoder\";\n");
    list_row(f, in2, "real channel uses per block, 1..4096 (even on a complex channel)", "n = %zu;", ae.n);
    list_row(f, in2, "bits per block, 1..24: M = 2^k messages (the memory limit may bind)", "k = %u;", ae.k);
    list_row(f, in2, "\"energy\" (||x||^2 = n per block) | \"power\" (mean power 1 per", "norm = \"%s\";",
             ae.norm == AE_NORM_POWER ? "power" : "energy");
    list_row(f, in2, "real channel use)", "%s", "");
    fprintf(f,
            "    # hidden ReLU layers: 0..%d widths of 1..1048576 units each; the default is one layer of\n"
            "    # M = 2^k units on each side (16 for k = 4)\n    tx_hidden = ",
            AE_MAX_HIDDEN);
    put_widths(f, ae.n_tx_hidden, ae.tx_hidden);
    fprintf(f, "; rx_hidden = ");
    put_widths(f, ae.n_rx_hidden, ae.rx_hidden);
    fprintf(f, ";\n    train = {\n");
    list_row(f, in3, "Adam updates, >= 1", "steps = %lluL;", (unsigned long long)tr.steps);
    list_row(f, in3, "messages per update, 1..1e7", "batch = %zu;", tr.batch);
    list_row(f, in3, "learning rate at the start, (0, 10]", "lr = %s;", lr);
    list_row(f, in3, "learning rate at the end, (0, 10]", "lr_final = %s;", lrf);
    list_row(f, in3, "\"constant\" (lr throughout) | \"cosine\" | \"exponential\"", "schedule = \"%s\";",
             sim_lr_schedule_name(tr.schedule));
    list_row(f, in3, "(both from lr to lr_final)", "%s", "");
    list_row(f, in3, "Eb/N0 of the training channel, dB, -100..100", "ebno_db = %s;", teb);
    list_row(f, in3, "training seed (default: the top-level seed)", "seed = %lluL;",
             (unsigned long long)ev.seed);
    list_row(f, in3, "a loss.csv row every this many steps, >= 1", "log_every = %lluL;",
             (unsigned long long)tr.log_every);
    list_row(f, in3, "a checkpoint every this many steps (0: at the end)", "checkpoint_every = %lluL;",
             (unsigned long long)tr.checkpoint_every);
    list_row(f, in3, "true: a loss ending above ln M or rising over the run is", "fail_on_divergence = %s;",
             tr.fail_on_divergence ? "true" : "false");
    list_row(f, in3, "an error (exit 1); false: a warning", "%s", "");
    fprintf(
        f,
        "    }; },\n"
        "  # k bits in k BPSK channel uses, k = 1..65536 (a real-valued baseline: AWGN only)\n"
        "  { name = \"uncoded_bpsk_4_4\"; type = \"uncoded_bpsk\"; k = 4; },\n"
        "  # Hamming (7,4) and BPSK (AWGN only): decoder \"ml\" (soft maximum likelihood) | \"hard\"\n"
        "  # (syndrome)\n"
        "  { name = \"hamming_7_4_ml\"; type = \"hamming_7_4\"; decoder = \"ml\"; },\n"
        "  # scheme: \"bpsk\" | \"qpsk\" | \"pskM\" (M = 2..64) | \"qamM\" (M = 4..256, a power of 4) |\n"
        "  #   \"pamM\" (M = 2..64, AWGN only); symbols: modem symbols per block, 65536 bits at most;\n"
        "  #   demapper: \"hard\" (nearest point) | \"exact\" (log-sum-exp LLRs) | \"maxlog\" (max-log "
        "LLRs)\n"
        "  { name = \"qpsk_ofdm\"; type = \"modem\"; scheme = \"qpsk\"; symbols = 1; demapper = \"hard\";\n"
        "    # this system's own channel, an OFDM link over multipath (unitary FFTs):\n"
        "    channel = { type = \"ofdm\";\n");
    list_channel_keys(f, ch_type_find("ofdm"), "                ", 0);
    fprintf(f, "    }; },\n");
    list_coded(f);
    fprintf(f, ");\n");
}
