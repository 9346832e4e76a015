// metadata.c - metadata.json with jansson.
#include "metadata.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae_err.h"
#include "fileio.h"
#include "stats.h"

// "2026-11-30T00:50:12Z" for a time in seconds since the epoch.
static void iso_time(double t, char *buf, size_t len)
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sim_metadata_write(const char *path, const sim_run_info *info, const sim_row *rows, size_t n)
{
    char host[256] = "unknown", start[32], end[32];
    gethostname(host, sizeof host - 1);
    iso_time(info->start_unix, start, sizeof start);
    iso_time(info->end_unix, end, sizeof end);
    json_t *root = json_object(), *points = json_array();
    if (!root || !points) {
        json_decref(root);
        json_decref(points);
        return AE_ERROR(AE_ENOMEM, "out of memory for metadata");
    }
    json_object_set_new(root, "aesim_version", json_string(info->version));
    json_object_set_new(root, "git_commit", json_string(info->git_commit));
    json_object_set_new(root, "config", json_string(info->config));
    json_object_set_new(root, "host", json_string(host));
    json_object_set_new(root, "seed", json_integer((json_int_t)info->seed));
    json_object_set_new(
        root, "generator",
        json_string("GSL taus2; each chunk's state filled from a 64-bit splitmix64 hash of (seed, "
                    "Eb/N0 in milli-dB, chunk index, stream)"));
    json_object_set_new(root, "bler_interval",
                        json_string(info->interval == SIM_INTERVAL_CLOPPER_PEARSON
                                        ? "95% Clopper-Pearson on blocks; normal from per-realisation block "
                                          "errors when blocks share a channel realisation"
                                        : "95% Wilson score on blocks; normal from per-realisation block "
                                          "errors when blocks share a channel realisation"));
    json_object_set_new(
        root, "ber_interval",
        json_string("95% normal from the variance of per-block (per-realisation) bit-error counts"));
    json_object_set_new(root, "threads", json_integer(info->threads));
    json_object_set_new(root, "ranks", json_integer(info->ranks));
    json_object_set_new(root, "start", json_string(start));
    json_object_set_new(root, "end", json_string(end));
    json_object_set_new(root, "wall_seconds", json_real(info->end_unix - info->start_unix));
    json_object_set_new(root, "interrupted", json_boolean(info->interrupted));
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "system", json_string(rows[i].system));
        json_object_set_new(p, "ebno_db", json_real(rows[i].pt.ebno_db));
        json_object_set_new(p, "blocks", json_integer((json_int_t)rows[i].pt.blocks));
        json_object_set_new(p, "seconds", json_real(rows[i].pt.seconds));
        json_array_append_new(points, p);
    }
    json_object_set_new(root, "points", points);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return AE_ERROR(AE_ENOMEM, "out of memory for metadata");
    sim_file out;
    int rc = sim_file_open(&out, path);
    if (rc == AE_OK) {
        fputs(text, out.f);
        fputc('\n', out.f);
        rc = sim_file_commit(&out);
    }
    free(text);
    return rc;
}
