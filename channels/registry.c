// registry.c - the list of channel types and the key-table helpers every parser of channel options uses.
#include "ch_type.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"

extern const ch_type ch_awgn_type, ch_rayleigh_type, ch_rician_type, ch_ofdm_type, ch_rapp_type;

const ch_type *const ch_registry[] = {&ch_awgn_type, &ch_rayleigh_type, &ch_rician_type,
                                      &ch_ofdm_type, &ch_rapp_type,     NULL};

const ch_type *ch_type_find(const char *name)
{
    for (size_t i = 0; name && ch_registry[i]; i++)
        if (strcmp(ch_registry[i]->name, name) == 0)
            return ch_registry[i];
    return NULL;
}

const char *ch_type_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; ch_registry[i] && used < len; i++) {
        const char *sep = i == 0 ? "" : (ch_registry[i + 1] ? ", " : " or ");
        int w = snprintf(buf + used, len - used, "%s%s", sep, ch_registry[i]->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

const ch_key *ch_type_key(const ch_type *t, const char *name)
{
    for (size_t i = 0; i < t->n_keys; i++)
        if (strcmp(t->keys[i].name, name) == 0)
            return &t->keys[i];
    return NULL;
}

static void *at(void *params, const ch_key *k)
{
    return (unsigned char *)params + k->offset;
}

static const void *at_c(const void *params, const ch_key *k)
{
    return (const unsigned char *)params + k->offset;
}

void ch_params_default(const ch_type *t, ch_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < t->n_keys; i++) {
        const ch_key *k = &t->keys[i];
        switch (k->kind) {
        case CH_KEY_DOUBLE: *(double *)at(p, k) = k->def; break;
        case CH_KEY_SIZE: *(size_t *)at(p, k) = (size_t)k->def; break;
        case CH_KEY_BOOL:
        case CH_KEY_WORD: *(int *)at(p, k) = (int)k->def; break;
        case CH_KEY_TEXT: break; // the type's defaults hook sets these
        }
    }
    if (t->defaults)
        t->defaults(p);
}

void ch_key_expect(const ch_key *k, char *buf, size_t len)
{
    switch (k->kind) {
    case CH_KEY_DOUBLE: snprintf(buf, len, "a number in %g..%g (%s)", k->min, k->max, k->help); return;
    case CH_KEY_SIZE: snprintf(buf, len, "an integer in %.0f..%.0f (%s)", k->min, k->max, k->help); return;
    case CH_KEY_BOOL: snprintf(buf, len, "true or false (%s)", k->help); return;
    case CH_KEY_TEXT: snprintf(buf, len, "%s", k->help); return;
    case CH_KEY_WORD: {
        size_t used = 0, n = 0;
        while (k->words[n])
            n++;
        buf[0] = '\0';
        for (size_t i = 0; i < n && used < len; i++) {
            int w = snprintf(buf + used, len - used, "%s\"%s\"", i == 0 ? "" : (i + 1 == n ? " or " : ", "),
                             k->words[i]);
            if (w < 0)
                return;
            used += (size_t)w;
        }
        if (used < len)
            snprintf(buf + used, len - used, " (%s)", k->help);
        return;
    }
    }
}

int ch_key_set_number(const ch_key *k, void *params, double v)
{
    char expect[256];
    ch_key_expect(k, expect, sizeof expect);
    switch (k->kind) {
    case CH_KEY_DOUBLE:
        if (!isfinite(v) || v < k->min || v > k->max)
            return AE_ERROR(AE_EINVAL, "%s: value %g out of range, expected %s", k->name, v, expect);
        *(double *)at(params, k) = v;
        return AE_OK;
    case CH_KEY_SIZE:
        if (!isfinite(v) || v != floor(v) || v < k->min || v > k->max)
            return AE_ERROR(AE_EINVAL, "%s: value %g out of range, expected %s", k->name, v, expect);
        *(size_t *)at(params, k) = (size_t)v;
        return AE_OK;
    case CH_KEY_BOOL:
        if (v != 0.0 && v != 1.0)
            return AE_ERROR(AE_EINVAL, "%s = %g: expected %s", k->name, v, expect);
        *(int *)at(params, k) = v != 0.0;
        return AE_OK;
    case CH_KEY_WORD: {
        size_t n = 0;
        while (k->words[n])
            n++;
        if (!(v >= 0.0 && v < (double)n && v == floor(v)))
            return AE_ERROR(AE_EINVAL, "%s: expected %s", k->name, expect);
        *(int *)at(params, k) = (int)v;
        return AE_OK;
    }
    case CH_KEY_TEXT: return AE_ERROR(AE_EINVAL, "%s = %g: expected %s", k->name, v, expect);
    }
    return AE_ERROR(AE_EINVAL, "%s: unknown key kind", k->name);
}

int ch_key_set_word(const ch_key *k, void *params, const char *text)
{
    char expect[256];
    ch_key_expect(k, expect, sizeof expect);
    if (k->kind == CH_KEY_TEXT)
        return k->parse(text, params);
    if (k->kind != CH_KEY_WORD)
        return AE_ERROR(AE_EINVAL, "%s = \"%s\": expected %s", k->name, text, expect);
    for (int i = 0; k->words[i]; i++)
        if (strcmp(text, k->words[i]) == 0) {
            *(int *)at(params, k) = i;
            return AE_OK;
        }
    return AE_ERROR(AE_EINVAL, "%s: unknown value '%s', expected %s", k->name, text, expect);
}

int ch_key_set_text(const ch_key *k, void *params, const char *text)
{
    char expect[256];
    ch_key_expect(k, expect, sizeof expect);
    switch (k->kind) {
    case CH_KEY_WORD:
    case CH_KEY_TEXT: return ch_key_set_word(k, params, text);
    case CH_KEY_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            return ch_key_set_number(k, params, 1.0);
        if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            return ch_key_set_number(k, params, 0.0);
        return AE_ERROR(AE_EINVAL, "%s '%s': expected %s", k->name, text, expect);
    case CH_KEY_DOUBLE:
    case CH_KEY_SIZE: {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        if (errno || end == text || *end != '\0')
            return AE_ERROR(AE_EINVAL, "%s '%s': expected %s", k->name, text, expect);
        return ch_key_set_number(k, params, v);
    }
    }
    return AE_ERROR(AE_EINVAL, "%s: unknown key kind", k->name);
}

void ch_key_format(const ch_key *k, const void *params, char *buf, size_t len)
{
    switch (k->kind) {
    case CH_KEY_DOUBLE: {
        // the shortest of %.15g and %.17g that reads back as the same double
        double v = *(const double *)at_c(params, k);
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, len, "%.17g", v);
        return;
    }
    case CH_KEY_SIZE: snprintf(buf, len, "%zu", *(const size_t *)at_c(params, k)); return;
    case CH_KEY_BOOL: snprintf(buf, len, "%s", *(const int *)at_c(params, k) ? "true" : "false"); return;
    case CH_KEY_WORD: snprintf(buf, len, "\"%s\"", k->words[*(const int *)at_c(params, k)]); return;
    case CH_KEY_TEXT: {
        char text[4096];
        k->format(params, text, sizeof text);
        snprintf(buf, len, "\"%s\"", text);
        return;
    }
    }
}
