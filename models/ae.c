// ae.c - the (n,k) autoencoder of O'Shea & Hoydis (IEEE TCCN 2017, Sec. III-A): layout, forward and
// backward passes of encoder and decoder, evaluation codebook, and its txrx wrapper. See ae.h.
//
//   msg [B] --lookup W0[:, m] + b0--> h_0 --dense--> ... --dense--> v [B][n] --norm--> x [B][n]
//   y [B][n] --dense--> g_1 --dense--> ... --dense--> logits [B][M] --softmax xent--> loss
#include "ae.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ae_err.h"
#include "nn.h"

// ---------------------------------------------------------------------------------------------
// size arithmetic with overflow checks

// *out = a + b; returns 0, or -1 if the sum overflows size_t.
static int add_sz(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return -1;
    *out = a + b;
    return 0;
}

// *out = a * b; returns 0, or -1 if the product overflows size_t.
static int mul_sz(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// configuration and layout

void ae_cfg_default(ae_cfg *c, unsigned k, size_t n)
{
    memset(c, 0, sizeof *c);
    c->k = k;
    c->n = n;
    // Table IV: one hidden ReLU layer of width M on each side (M = 0 if k is out of range: validate says so)
    const size_t M = (k >= 1 && k <= AE_MAX_K) ? (size_t)1 << k : 0;
    c->n_tx_hidden = 1;
    c->tx_hidden[0] = M;
    c->n_rx_hidden = 1;
    c->rx_hidden[0] = M;
    c->norm = AE_NORM_ENERGY;
}

int ae_cfg_validate(const ae_cfg *c)
{
    if (c->k < 1 || c->k > AE_MAX_K)
        return AE_ERROR(AE_EINVAL, "autoencoder: k = %u, expected 1 <= k <= %d", c->k, AE_MAX_K);
    if (c->n < 1 || c->n > INT_MAX)
        return AE_ERROR(AE_EINVAL, "autoencoder: n = %zu, expected 1 <= n <= %d", c->n, INT_MAX);
    if (c->n_tx_hidden > AE_MAX_HIDDEN)
        return AE_ERROR(AE_EINVAL, "autoencoder: %zu encoder hidden layers, expected at most %d",
                        c->n_tx_hidden, AE_MAX_HIDDEN);
    if (c->n_rx_hidden > AE_MAX_HIDDEN)
        return AE_ERROR(AE_EINVAL, "autoencoder: %zu decoder hidden layers, expected at most %d",
                        c->n_rx_hidden, AE_MAX_HIDDEN);
    // widths are passed to cblas_sgemm as int
    for (size_t i = 0; i < c->n_tx_hidden; i++)
        if (c->tx_hidden[i] < 1 || c->tx_hidden[i] > INT_MAX)
            return AE_ERROR(AE_EINVAL, "autoencoder: encoder hidden layer %zu has width %zu, expected 1..%d",
                            i + 1, c->tx_hidden[i], INT_MAX);
    for (size_t i = 0; i < c->n_rx_hidden; i++)
        if (c->rx_hidden[i] < 1 || c->rx_hidden[i] > INT_MAX)
            return AE_ERROR(AE_EINVAL, "autoencoder: decoder hidden layer %zu has width %zu, expected 1..%d",
                            i + 1, c->rx_hidden[i], INT_MAX);
    if (c->norm != AE_NORM_ENERGY && c->norm != AE_NORM_POWER)
        return AE_ERROR(AE_EINVAL, "autoencoder: norm = %d, expected %d (energy) or %d (power)", c->norm,
                        AE_NORM_ENERGY, AE_NORM_POWER);
    return AE_OK;
}

// Append Dense(in -> out) at *off in the flat block: W (out, in) then b [out]. -1 on overflow.
static int layout_add(nn_dense_desc *L, size_t in, size_t out, int relu, size_t *off)
{
    size_t w_size;
    L->in = in;
    L->out = out;
    L->relu = relu;
    L->w_off = *off;
    if (mul_sz(out, in, &w_size) || add_sz(*off, w_size, &L->b_off) || add_sz(L->b_off, out, off))
        return -1;
    return 0;
}

// Fill the layer table of a validated cfg: encoder (hidden ReLU layers, then linear Dense(n)),
// then decoder (hidden ReLU layers, then linear Dense(M)). Returns 0, or -1 if the parameter count
// overflows size_t.
static int layout_build(const ae_cfg *c, nn_dense_desc *layers, size_t *n_layers, size_t *n_tx,
                        size_t *n_params)
{
    const size_t M = (size_t)1 << c->k;
    size_t off = 0, l = 0, in = M;
    for (size_t i = 0; i < c->n_tx_hidden; i++, l++) {
        if (layout_add(&layers[l], in, c->tx_hidden[i], 1, &off))
            return -1;
        in = c->tx_hidden[i];
    }
    if (layout_add(&layers[l++], in, c->n, 0, &off))
        return -1;
    *n_tx = l;
    in = c->n;
    for (size_t i = 0; i < c->n_rx_hidden; i++, l++) {
        if (layout_add(&layers[l], in, c->rx_hidden[i], 1, &off))
            return -1;
        in = c->rx_hidden[i];
    }
    if (layout_add(&layers[l++], in, M, 0, &off))
        return -1;
    *n_layers = l;
    *n_params = off;
    return 0;
}

size_t ae_param_count(const ae_cfg *c)
{
    nn_dense_desc layers[2 * AE_MAX_HIDDEN + 2];
    size_t n_layers, n_tx, n_params;
    if (c->k < 1 || c->k > AE_MAX_K || c->n_tx_hidden > AE_MAX_HIDDEN || c->n_rx_hidden > AE_MAX_HIDDEN)
        return 0;
    if (layout_build(c, layers, &n_layers, &n_tx, &n_params))
        return 0;
    return n_params;
}

// Floats of workspace per block (see struct ae_ws): every layer output of both networks, the
// normalised x, the decoder input copy, inv_norm, dlogits, and two gradient buffers of the widest
// layer. Returns 0, or -1 on overflow.
static int ws_floats_per_block(const nn_dense_desc *layers, size_t n_layers, size_t n, size_t M, size_t *out)
{
    size_t sum = 0, max_w = n > M ? n : M;
    for (size_t l = 0; l < n_layers; l++) {
        if (add_sz(sum, layers[l].out, &sum))
            return -1;
        max_w = layers[l].out > max_w ? layers[l].out : max_w;
    }
    size_t two_n, two_w;
    if (mul_sz(2, n, &two_n) || mul_sz(2, max_w, &two_w) || add_sz(sum, two_n, &sum) ||
        add_sz(sum, 1, &sum) || add_sz(sum, M, &sum) || add_sz(sum, two_w, &sum))
        return -1;
    *out = sum;
    return 0;
}

// Total bytes of ae_memory_check for a validated cfg. Returns 0, or -1 on overflow.
static int model_bytes(const ae_cfg *c, size_t max_batch, size_t *bytes)
{
    nn_dense_desc layers[2 * AE_MAX_HIDDEN + 2];
    size_t n_layers, n_tx, n_params, per_block, floats, tmp;
    const size_t M = (size_t)1 << c->k;
    if (layout_build(c, layers, &n_layers, &n_tx, &n_params) ||
        ws_floats_per_block(layers, n_layers, c->n, M, &per_block))
        return -1;
    // 4 parameter blocks + codebook [M][n] + workspace [max_batch][per_block] floats, + msg [max_batch]
    if (mul_sz(4, n_params, &floats) || mul_sz(M, c->n, &tmp) || add_sz(floats, tmp, &floats) ||
        mul_sz(max_batch, per_block, &tmp) || add_sz(floats, tmp, &floats) ||
        mul_sz(floats, sizeof(float), &floats) || mul_sz(max_batch, sizeof(uint32_t), &tmp) ||
        add_sz(floats, tmp, bytes))
        return -1;
    return 0;
}

int ae_memory_check(const ae_cfg *c, size_t max_batch, size_t limit_bytes, size_t *bytes)
{
    int rc = ae_cfg_validate(c);
    if (rc)
        return rc;
    size_t need;
    const double GiB = 1024.0 * 1024.0 * 1024.0;
    if (model_bytes(c, max_batch, &need)) {
        if (bytes)
            *bytes = SIZE_MAX;
        return AE_ERROR(AE_ENOMEM,
                        "autoencoder k = %u needs more memory than size_t can count (limit %.1f GiB); "
                        "reduce k or the hidden widths",
                        c->k, (double)limit_bytes / GiB);
    }
    if (bytes)
        *bytes = need;
    if (need > limit_bytes)
        return AE_ERROR(AE_ENOMEM,
                        "autoencoder k = %u needs %.1f GiB of memory for parameters, Adam state, codebook "
                        "and workspace (limit %.1f GiB); reduce k or the hidden widths",
                        c->k, (double)need / GiB, (double)limit_bytes / GiB);
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// model lifecycle

ae_model *ae_create(const ae_cfg *cfg)
{
    if (ae_cfg_validate(cfg))
        return NULL;
    ae_model *ae = calloc(1, sizeof *ae);
    if (!ae) {
        AE_ERROR(AE_ENOMEM, "autoencoder: out of memory for the model struct");
        return NULL;
    }
    ae->cfg = *cfg;
    ae->M = (size_t)1 << cfg->k;
    size_t cb_size;
    if (layout_build(cfg, ae->layers, &ae->n_layers, &ae->n_tx_layers, &ae->n_params) ||
        mul_sz(ae->M, cfg->n, &cb_size) || ae->n_params == 0 || cb_size == 0) {
        AE_ERROR(AE_ENOMEM, "autoencoder k = %u: parameter count overflows size_t", cfg->k);
        ae_destroy(ae);
        return NULL;
    }
    // calloc checks n * size for overflow itself
    ae->params = calloc(ae->n_params, sizeof(float));
    ae->grads = calloc(ae->n_params, sizeof(float));
    ae->adam_m = calloc(ae->n_params, sizeof(float));
    ae->adam_v = calloc(ae->n_params, sizeof(float));
    ae->codebook = calloc(cb_size, sizeof(float));
    if (!ae->params || !ae->grads || !ae->adam_m || !ae->adam_v || !ae->codebook) {
        AE_ERROR(AE_ENOMEM,
                 "autoencoder k = %u: out of memory for %zu parameters (x4) and a %zu x %zu codebook", cfg->k,
                 ae->n_params, ae->M, cfg->n);
        ae_destroy(ae);
        return NULL;
    }
    return ae;
}

void ae_destroy(ae_model *ae)
{
    if (!ae)
        return;
    free(ae->params);
    free(ae->grads);
    free(ae->adam_m);
    free(ae->adam_v);
    free(ae->codebook);
    free(ae);
}

void ae_init(ae_model *ae, gsl_rng *r)
{
    for (size_t l = 0; l < ae->n_layers; l++) {
        const nn_dense_desc *L = &ae->layers[l];
        float *W = ae->params + L->w_off;
        if (L->relu)
            nn_init_he_uniform(W, L->in, L->out, r);
        else
            nn_init_glorot_uniform(W, L->in, L->out, r);
        memset(ae->params + L->b_off, 0, L->out * sizeof(float));
    }
    memset(ae->grads, 0, ae->n_params * sizeof(float));
    memset(ae->adam_m, 0, ae->n_params * sizeof(float));
    memset(ae->adam_v, 0, ae->n_params * sizeof(float));
    ae->adam_step = 0;
    ae->codebook_ready = 0;
}

void ae_zero_grad(ae_model *ae)
{
    memset(ae->grads, 0, ae->n_params * sizeof(float));
}

// ---------------------------------------------------------------------------------------------
// workspace

struct ae_ws {
    size_t max_batch;
    size_t tx_B, rx_B;                // batch of the last tx / rx forward on this workspace (0: none)
    uint32_t *msg;                    // [max_batch] messages the encoder layers saw (the table's 0..M-1 when
                                      // tx_table is set, else the batch's)
    uint32_t *batch_msg;              // [max_batch] messages of the last ae_tx_forward
    int tx_table;                     // the last ae_tx_forward encoded each of the M messages once
    int plain;                        // ae_ws_set_plain: never take the per-message shortcut
    float *tx_act[AE_MAX_HIDDEN + 1]; // [B][out_l] encoder layer outputs after ReLU; the last is v [B][n]
    float *tx_x;                      // [B][n] normalised encoder output, kept for the norm backward
    float *inv_norm;                  // [B] 1/||v[b]|| (energy constraint)
    double power_s;                   // 1/sqrt(mean v^2) (power constraint)
    float *rx_in;                     // [B][n] copy of the decoder input, for the first decoder dW
    float *rx_act[AE_MAX_HIDDEN + 1]; // [B][out_l] decoder layer outputs; the last is logits [B][M]
    float *dlogits;                   // [B][M] loss gradient w.r.t. the logits (from ae_rx_loss)
    float *g0, *g1;                   // [B][widest layer] gradient ping-pong buffers for the backward
    float *block;                     // the one allocation behind all float pointers above
};

ae_ws *ae_ws_create(const ae_model *ae, size_t max_batch)
{
    size_t per_block, floats;
    const size_t n = ae->cfg.n, M = ae->M;
    if (max_batch < 1 || max_batch > INT_MAX) {
        AE_ERROR(AE_EINVAL, "autoencoder workspace: max_batch = %zu, expected 1..%d", max_batch, INT_MAX);
        return NULL;
    }
    if (ws_floats_per_block(ae->layers, ae->n_layers, n, M, &per_block) ||
        mul_sz(per_block, max_batch, &floats) || floats == 0) {
        AE_ERROR(AE_ENOMEM, "autoencoder workspace: size overflows size_t (max_batch = %zu)", max_batch);
        return NULL;
    }
    ae_ws *ws = calloc(1, sizeof *ws);
    if (!ws) {
        AE_ERROR(AE_ENOMEM, "autoencoder workspace: out of memory");
        return NULL;
    }
    ws->max_batch = max_batch;
    ws->msg = calloc(max_batch, sizeof *ws->msg);
    ws->batch_msg = calloc(max_batch, sizeof *ws->batch_msg);
    ws->block = calloc(floats, sizeof(float));
    if (!ws->msg || !ws->batch_msg || !ws->block) {
        AE_ERROR(AE_ENOMEM, "autoencoder workspace: out of memory for %zu floats (max_batch = %zu)", floats,
                 max_batch);
        ae_ws_destroy(ws);
        return NULL;
    }
    // carve the block in the order counted by ws_floats_per_block
    size_t max_w = n > M ? n : M;
    float *p = ws->block;
    for (size_t l = 0; l < ae->n_layers; l++) {
        const size_t out = ae->layers[l].out;
        if (l < ae->n_tx_layers)
            ws->tx_act[l] = p;
        else
            ws->rx_act[l - ae->n_tx_layers] = p;
        p += max_batch * out;
        max_w = out > max_w ? out : max_w;
    }
    ws->tx_x = p;
    p += max_batch * n;
    ws->rx_in = p;
    p += max_batch * n;
    ws->inv_norm = p;
    p += max_batch;
    ws->dlogits = p;
    p += max_batch * M;
    ws->g0 = p;
    p += max_batch * max_w;
    ws->g1 = p;
    return ws;
}

void ae_ws_destroy(ae_ws *ws)
{
    if (!ws)
        return;
    free(ws->msg);
    free(ws->batch_msg);
    free(ws->block);
    free(ws);
}

void ae_ws_set_plain(ae_ws *ws, int plain)
{
    ws->plain = plain != 0;
}

// ---------------------------------------------------------------------------------------------
// forward and backward passes

// Encoder layers for B valid messages, into ws->tx_act; returns v [B][n] (before normalisation).
static const float *tx_layers_forward(const ae_model *ae, ae_ws *ws, const uint32_t *msg, size_t B)
{
    const size_t M = ae->M;
    // first layer: one-hot(m) W^T + b = W[:, m] + b, a column lookup (W is (out, M) row-major)
    const nn_dense_desc *L = &ae->layers[0];
    const float *W = ae->params + L->w_off, *b = ae->params + L->b_off;
    for (size_t r = 0; r < B; r++) {
        const float *Wm = W + msg[r];
        float *h = ws->tx_act[0] + r * L->out;
        for (size_t o = 0; o < L->out; o++) {
            const float z = Wm[o * M] + b[o];
            h[o] = (L->relu && z < 0.0f) ? 0.0f : z; // ReLU fused into the lookup
        }
    }
    for (size_t l = 1; l < ae->n_tx_layers; l++) {
        L = &ae->layers[l];
        // h_l [B][out] = h_{l-1} [B][in] W_l^T + b_l, then ReLU in place
        nn_dense_forward(ws->tx_act[l], ws->tx_act[l - 1], ae->params + L->w_off, ae->params + L->b_off, B,
                         L->in, L->out);
        if (L->relu)
            nn_relu_forward(ws->tx_act[l], ws->tx_act[l], B * L->out);
    }
    return ws->tx_act[ae->n_tx_layers - 1];
}

// Decoder layers on y [B][n] (B <= max_batch), into ws->rx_act; returns logits [B][M].
static const float *rx_layers_forward(const ae_model *ae, ae_ws *ws, const float *y, size_t B)
{
    const float *in = y;
    for (size_t l = ae->n_tx_layers; l < ae->n_layers; l++) {
        const nn_dense_desc *L = &ae->layers[l];
        float *h = ws->rx_act[l - ae->n_tx_layers];
        // h [B][out] = in [B][in] W^T + b, then ReLU in place
        nn_dense_forward(h, in, ae->params + L->w_off, ae->params + L->b_off, B, L->in, L->out);
        if (L->relu)
            nn_relu_forward(h, h, B * L->out);
        in = h;
    }
    return in;
}

int ae_tx_forward(const ae_model *ae, ae_ws *ws, const uint32_t *msg, float *x, size_t B)
{
    const size_t n = ae->cfg.n, M = ae->M;
    if (B > ws->max_batch)
        return AE_ERROR(AE_EBADLEN, "autoencoder tx: batch %zu > workspace max_batch %zu", B, ws->max_batch);
    for (size_t r = 0; r < B; r++)
        if (msg[r] >= M)
            return AE_ERROR(AE_EINVAL, "autoencoder tx: message %u at %zu, expected < M = %zu", msg[r], r, M);
    ws->tx_B = 0;
    if (B == 0)
        return AE_OK;
    memcpy(ws->batch_msg, msg, B * sizeof *msg);
    // Under the energy constraint a block's x depends on its message alone: when the batch is at least
    // M blocks, encode each of the M messages once and gather (ae_tx_backward then sums the gradient
    // per message first: the same gradient, with B - M fewer rows through the encoder).
    ws->tx_table = !ws->plain && ae->cfg.norm == AE_NORM_ENERGY && M <= B;
    if (ws->tx_table) {
        for (size_t m = 0; m < M; m++)
            ws->msg[m] = (uint32_t)m;
        const float *v = tx_layers_forward(ae, ws, ws->msg, M);
        nn_energy_norm_forward(ws->tx_x, ws->inv_norm, v, M, n);
        for (size_t r = 0; r < B; r++)
            memcpy(x + r * n, ws->tx_x + (size_t)msg[r] * n, n * sizeof *x);
        ws->tx_B = B;
        return AE_OK;
    }
    memcpy(ws->msg, msg, B * sizeof *msg);
    const float *v = tx_layers_forward(ae, ws, ws->msg, B);
    if (ae->cfg.norm == AE_NORM_ENERGY)
        nn_energy_norm_forward(ws->tx_x, ws->inv_norm, v, B, n);
    else
        ws->power_s = nn_power_norm_forward(ws->tx_x, v, B, n);
    memcpy(x, ws->tx_x, B * n * sizeof *x);
    ws->tx_B = B;
    return AE_OK;
}

int ae_tx_backward(ae_model *ae, ae_ws *ws, const float *dx, size_t B)
{
    return ae_tx_backward_into(ae, ws, ae->grads, dx, B);
}

int ae_tx_backward_into(const ae_model *ae, ae_ws *ws, float *grads, const float *dx, size_t B)
{
    const size_t n = ae->cfg.n, M = ae->M;
    if (B == 0)
        return AE_OK;
    if (B != ws->tx_B)
        return AE_ERROR(AE_EINVAL, "autoencoder tx backward: batch %zu, but the last forward had %zu", B,
                        ws->tx_B);
    float *g = ws->g0, *g_next = ws->g1;
    size_t rows = B; // rows through the encoder: B, or the M messages of the table
    if (ws->tx_table) {
        // dX[m] = sum of dx[b] over the blocks b that carried m, then the norm backward per message
        memset(g_next, 0, M * n * sizeof *g_next);
        for (size_t r = 0; r < B; r++) {
            float *dXm = g_next + (size_t)ws->batch_msg[r] * n;
            const float *dxr = dx + r * n;
            for (size_t i = 0; i < n; i++)
                dXm[i] += dxr[i];
        }
        dx = g_next;
        rows = M;
    }
    // dv [rows][n] = norm backward of dx (accumulating into a zeroed buffer)
    memset(g, 0, rows * n * sizeof *g);
    if (ae->cfg.norm == AE_NORM_ENERGY)
        nn_energy_norm_backward(g, dx, ws->tx_x, ws->inv_norm, rows, n);
    else
        nn_power_norm_backward(g, dx, ws->tx_x, ws->power_s, rows, n);
    // g holds the gradient w.r.t. the output of layer l (after its activation)
    for (size_t l = ae->n_tx_layers; l-- > 0;) {
        const nn_dense_desc *L = &ae->layers[l];
        float *dW = grads + L->w_off, *db = grads + L->b_off;
        if (L->relu)
            nn_relu_mask(g, ws->tx_act[l], rows * L->out);
        if (l > 0) {
            memset(g_next, 0, rows * L->in * sizeof *g_next);
            nn_dense_backward(g_next, dW, db, g, ws->tx_act[l - 1], ae->params + L->w_off, rows, L->in,
                              L->out);
            float *t = g;
            g = g_next;
            g_next = t;
        } else {
            // backward of the lookup: dW[:, m] += dh[b], db += dh[b] (scatter-add, one row per message)
            for (size_t r = 0; r < rows; r++) {
                const float *gr = g + r * L->out;
                float *dWm = dW + ws->msg[r];
                for (size_t o = 0; o < L->out; o++) {
                    dWm[o * M] += gr[o];
                    db[o] += gr[o];
                }
            }
        }
    }
    return AE_OK;
}

const float *ae_rx_forward(const ae_model *ae, ae_ws *ws, const float *y, size_t B)
{
    if (B > ws->max_batch) {
        AE_ERROR(AE_EBADLEN, "autoencoder rx: batch %zu > workspace max_batch %zu", B, ws->max_batch);
        return NULL;
    }
    // keep y: the first decoder layer's dW needs it, and the caller may reuse its buffer
    memcpy(ws->rx_in, y, B * ae->cfg.n * sizeof *y);
    ws->rx_B = B;
    return rx_layers_forward(ae, ws, ws->rx_in, B);
}

double ae_rx_loss(const ae_model *ae, ae_ws *ws, const uint32_t *labels, size_t B)
{
    if (B == 0)
        return 0.0;
    return ae_rx_loss_sum(ae, ws, labels, B, 1.0f / (float)B) / (double)B;
}

double ae_rx_loss_sum(const ae_model *ae, ae_ws *ws, const uint32_t *labels, size_t B, float grad_scale)
{
    if (B != ws->rx_B) {
        AE_ERROR(AE_EINVAL, "autoencoder loss: batch %zu, but the last rx forward had %zu", B, ws->rx_B);
        return NAN;
    }
    for (size_t r = 0; r < B; r++)
        if (labels[r] >= ae->M) {
            AE_ERROR(AE_EINVAL, "autoencoder loss: label %u at %zu, expected < M = %zu", labels[r], r, ae->M);
            return NAN;
        }
    const float *logits = ws->rx_act[ae->n_layers - ae->n_tx_layers - 1];
    return nn_softmax_xent_sum(ws->dlogits, logits, labels, B, ae->M, grad_scale);
}

int ae_rx_backward(ae_model *ae, ae_ws *ws, float *dy, size_t B)
{
    return ae_rx_backward_into(ae, ws, ae->grads, dy, B);
}

int ae_rx_backward_into(const ae_model *ae, ae_ws *ws, float *grads, float *dy, size_t B)
{
    if (B == 0)
        return AE_OK;
    if (B != ws->rx_B)
        return AE_ERROR(AE_EINVAL, "autoencoder rx backward: batch %zu, but the last forward had %zu", B,
                        ws->rx_B);
    // g: gradient w.r.t. the output of layer l; starts at dlogits (the last layer is linear)
    const float *g = ws->dlogits;
    float *g_next = ws->g0;
    for (size_t l = ae->n_layers; l-- > ae->n_tx_layers;) {
        const nn_dense_desc *L = &ae->layers[l];
        const size_t j = l - ae->n_tx_layers; // index among decoder layers
        float *dW = grads + L->w_off, *db = grads + L->b_off;
        const float *W = ae->params + L->w_off;
        if (j > 0) {
            // dh_{j-1} = g W; then mask by ReLU of h_{j-1} (hidden decoder layers are all ReLU)
            memset(g_next, 0, B * L->in * sizeof *g_next);
            nn_dense_backward(g_next, dW, db, g, ws->rx_act[j - 1], W, B, L->in, L->out);
            if (ae->layers[l - 1].relu)
                nn_relu_mask(g_next, ws->rx_act[j - 1], B * L->in);
            g = g_next;
            g_next = (g_next == ws->g0) ? ws->g1 : ws->g0;
        } else {
            // first decoder layer: its input is y; dy is overwritten
            if (dy)
                memset(dy, 0, B * L->in * sizeof *dy);
            nn_dense_backward(dy, dW, db, g, ws->rx_in, W, B, L->in, L->out);
        }
    }
    return AE_OK;
}

// ---------------------------------------------------------------------------------------------
// evaluation codebook and txrx wrapper

enum { AE_EVAL_CHUNK = 1024 }; // messages encoded per pass when building the codebook

int ae_eval_prepare(ae_model *ae)
{
    const size_t M = ae->M, n = ae->cfg.n;
    const size_t chunk = M < AE_EVAL_CHUNK ? M : AE_EVAL_CHUNK;
    ae_ws *ws = ae_ws_create(ae, chunk);
    if (!ws)
        return AE_ENOMEM;
    ae->codebook_ready = 0;
    for (size_t m0 = 0; m0 < M; m0 += chunk) {
        const size_t B = M - m0 < chunk ? M - m0 : chunk;
        for (size_t r = 0; r < B; r++)
            ws->msg[r] = (uint32_t)(m0 + r);
        const float *v = tx_layers_forward(ae, ws, ws->msg, B);
        float *cb = ae->codebook + m0 * n;
        if (ae->cfg.norm == AE_NORM_ENERGY)
            nn_energy_norm_forward(cb, ws->inv_norm, v, B, n); // per block: chunking is exact
        else
            memcpy(cb, v, B * n * sizeof *cb);
    }
    // the power constraint averages over all M messages, equally weighted
    if (ae->cfg.norm == AE_NORM_POWER)
        nn_power_norm_forward(ae->codebook, ae->codebook, M, n);
    ae_ws_destroy(ws);
    ae->codebook_ready = 1;
    return AE_OK;
}

double ae_codebook_energy(const ae_model *ae)
{
    if (!ae->codebook_ready)
        return 0.0;
    const size_t N = ae->M * ae->cfg.n;
    double e = 0.0;
    for (size_t i = 0; i < N; i++)
        e += (double)ae->codebook[i] * ae->codebook[i];
    return e / (double)ae->M;
}

// The wrapper's own state: a borrowed model (not freed by the wrapper).
typedef struct ae_txrx_state {
    const ae_model *ae;
} ae_txrx_state;

// txrx ws_create: an ae_ws for the decoder forward.
static void *ae_txrx_ws_create(const void *st, size_t max_batch)
{
    return ae_ws_create(((const ae_txrx_state *)st)->ae, max_batch);
}

// txrx ws_destroy.
static void ae_txrx_ws_destroy(void *ws)
{
    ae_ws_destroy(ws);
}

// txrx transmit: x[b] = codebook[m], m = txrx_index of block b (k <= AE_MAX_K bits, one word per block).
static int ae_txrx_transmit(const void *st, void *ws, const uint64_t *bits, float *x, size_t batch)
{
    const ae_model *ae = ((const ae_txrx_state *)st)->ae;
    const size_t n = ae->cfg.n;
    const ae_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "autoencoder transmit: batch %zu > workspace max_batch %zu", batch,
                        w->max_batch);
    const unsigned k = ae->cfg.k;
    for (size_t r = 0; r < batch; r++) {
        if (txrx_tail_dirty(bits + r, k))
            return AE_ERROR(AE_EINVAL, "autoencoder transmit: block %zu has bits set beyond k = %u", r, k);
        memcpy(x + r * n, ae->codebook + (size_t)txrx_index(bits + r, k) * n, n * sizeof *x);
    }
    return AE_OK;
}

// txrx receive: decoder forward, then the most likely message, written as the block's bits (noise
// unused: the decoder was trained at its own SNR).
static int ae_txrx_receive(const void *st, void *ws, const float *y, const txrx_noise *noise,
                           uint64_t *bits_hat, size_t batch)
{
    (void)noise;
    const ae_model *ae = ((const ae_txrx_state *)st)->ae;
    ae_ws *w = ws;
    if (batch > w->max_batch)
        return AE_ERROR(AE_EBADLEN, "autoencoder receive: batch %zu > workspace max_batch %zu", batch,
                        w->max_batch);
    // feature-major through the decoder: the batch is the long side of every product, and the argmax
    // runs down the columns of the logits
    const float *in = y;
    for (size_t l = ae->n_tx_layers; l < ae->n_layers; l++) {
        const nn_dense_desc *L = &ae->layers[l];
        float *h = w->rx_act[l - ae->n_tx_layers];
        nn_dense_forward_fm(h, in, l > ae->n_tx_layers, ae->params + L->w_off, ae->params + L->b_off, batch,
                            L->in, L->out, L->relu);
        in = h;
    }
    // the decided indices go through batch_msg: a txrx workspace never trains, so it is free scratch
    nn_argmax_cols(w->batch_msg, w->g0, in, batch, ae->M);
    const unsigned k = ae->cfg.k;
    for (size_t r = 0; r < batch; r++)
        txrx_set_index(bits_hat + r, k, w->batch_msg[r]);
    return AE_OK;
}

// txrx destroy: frees the wrapper state only, never the borrowed model.
static void ae_txrx_destroy(void *st)
{
    free(st);
}

static const txrx_vt ae_txrx_vt = {
    .ws_create = ae_txrx_ws_create,
    .ws_destroy = ae_txrx_ws_destroy,
    .transmit = ae_txrx_transmit,
    .receive = ae_txrx_receive,
    .destroy = ae_txrx_destroy,
};

txrx *ae_txrx_create(const ae_model *ae)
{
    if (!ae->codebook_ready) {
        AE_ERROR(AE_EINVAL, "autoencoder txrx: codebook not ready (call ae_eval_prepare after training)");
        return NULL;
    }
    txrx *t = calloc(1, sizeof *t);
    ae_txrx_state *st = calloc(1, sizeof *st);
    if (!t || !st) {
        free(t);
        free(st);
        AE_ERROR(AE_ENOMEM, "autoencoder txrx: out of memory");
        return NULL;
    }
    st->ae = ae;
    t->vt = &ae_txrx_vt;
    t->st = st;
    t->k = ae->cfg.k;
    t->n = ae->cfg.n;
    t->symbols_per_block = ae->cfg.n;
    t->is_complex = 0;
    t->block_energy = ae_codebook_energy(ae);
    return t;
}
