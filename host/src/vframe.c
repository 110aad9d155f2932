/*
 * vframe.c — y4m frames to the video channel's records, and back.
 * SPDX-License-Identifier: MIT
 *
 * Scaling averages in linear light (an area filter: each board pixel is the
 * mean of the source area it covers, fractional edges weighted), so fine
 * detail keeps its brightness. Colours are chosen and dithered in sRGB, where
 * steps are closer to what the eye sees, with the distance weighted 3:4:2
 * (R:G:B) as the eye weighs them.
 */
#include "vframe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WR 3.0f
#define WG 4.0f
#define WB 2.0f

int vf_clock_init(struct vf_clock *c, uint32_t fps_num, uint32_t fps_den)
{
	if (!fps_num || !fps_den || (uint64_t)fps_num > (uint64_t)VF_TICKS_PER_S * fps_den ||
	    (uint64_t)VF_TICKS_PER_S * fps_den > 65535ull * fps_num)
		return -1;
	c->num = fps_num;
	c->den = fps_den;
	c->rem = fps_num / 2;     /* rounds each running sum to nearest */
	return 0;
}

uint16_t vf_clock_next(struct vf_clock *c)
{
	c->rem += (uint64_t)VF_TICKS_PER_S * c->den;
	uint64_t d = c->rem / c->num;
	c->rem -= d * c->num;
	return (uint16_t)d;
}

static float lin_of[256];    /* sRGB byte to linear light */

static void lin_init(void)
{
	for (int i = 0; i < 256; i++) {
		double v = i / 255.0;
		lin_of[i] = (float)(v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
	}
}

static float srgb_of(float l)
{
	if (l <= 0.0f)
		return 0.0f;
	if (l >= 1.0f)
		return 255.0f;
	return 255.0f * (l <= 0.0031308f ? l * 12.92f : 1.055f * powf(l, 1.0f / 2.4f) - 0.055f);
}

/* Area-filter tables mapping @src samples onto @dst: for each destination
 * sample, the first source sample, how many, and their weights (sum 1). */
static int area_table(int src, int dst, int **x0, int **cnt, float **w, int *maxn)
{
	double step = (double)src / dst;
	int m = (int)ceil(step) + 2;
	*x0 = calloc((size_t)dst, sizeof **x0);
	*cnt = calloc((size_t)dst, sizeof **cnt);
	*w = calloc((size_t)dst * (size_t)m, sizeof **w);
	if (!*x0 || !*cnt || !*w)
		return -1;
	for (int j = 0; j < dst; j++) {
		double a = j * step, b = (j + 1) * step;
		int s = (int)floor(a), e = (int)ceil(b);
		if (e > src)
			e = src;
		if (s >= e)
			s = e - 1;
		(*x0)[j] = s;
		(*cnt)[j] = e - s;
		double sum = 0;
		for (int k = 0; k < e - s; k++) {
			double lo = fmax(a, s + k), hi = fmin(b, s + k + 1);
			double cov = hi > lo ? hi - lo : 0;
			(*w)[j * m + k] = (float)cov;
			sum += cov;
		}
		for (int k = 0; k < e - s; k++)
			(*w)[j * m + k] = sum > 0 ? (float)((*w)[j * m + k] / sum) : 1.0f / (float)(e - s);
	}
	*maxn = m;
	return 0;
}

int vf_conv_init(struct vf_conv *c, const struct y4m_info *in, int w, int h)
{
	memset(c, 0, sizeof *c);
	if (!((w == 160 && h == 120) || (w == 320 && h == 240))) {
		snprintf(c->err, sizeof c->err, "board frame size %dx%d: only 160x120 and 320x240 are made", w, h);
		return -1;
	}
	/* 160x120: raw, what rtl/video_player.v shows; 320x240 (a raw frame
	 * is 38 KiB, three fill a 128 KiB queue): RLE where it is smaller. */
	c->fmt = w == 160 ? VF_FMT_RAW : -1;
	if (vf_clock_init(&c->clock, in->fps_num, in->fps_den)) {
		snprintf(c->err, sizeof c->err, "frame rate %u/%u fps is outside what the board plays "
		         "(%.4f to 1200 fps)", in->fps_num, in->fps_den, 1200.0 / 65535);
		return -1;
	}
	if (!lin_of[255])
		lin_init();
	c->in = *in;
	c->w = w;
	c->h = h;
	c->full_range = in->full_range;
	/* Letterbox: the source's display aspect (pixel aspect included) kept
	 * inside the board's square pixels. */
	double aspect = (double)in->width * in->par_num / ((double)in->height * in->par_den);
	if (aspect >= (double)w / h) {
		c->bw = w;
		c->bh = (int)lround(w / aspect);
		if (c->bh < 1)
			c->bh = 1;
	} else {
		c->bh = h;
		c->bw = (int)lround(h * aspect);
		if (c->bw < 1)
			c->bw = 1;
	}
	c->bx = (w - c->bw) / 2;
	c->by = (h - c->bh) / 2;
	if (area_table(in->width, c->bw, &c->hx0, &c->hn, &c->hw, &c->hmax) ||
	    area_table(in->height, c->bh, &c->vy0, &c->vn, &c->vw, &c->vmax))
		goto oom;
	c->xs = calloc((size_t)in->width, sizeof *c->xs);
	c->ys = calloc((size_t)in->height, sizeof *c->ys);
	c->row = calloc((size_t)in->width * 3, sizeof *c->row);
	c->tmp = calloc((size_t)c->bw * (size_t)in->height * 3, sizeof *c->tmp);
	c->rgb = calloc((size_t)w * (size_t)h * 3, sizeof *c->rgb);
	c->idx = calloc((size_t)w * (size_t)h, 1);
	if (!c->xs || !c->ys || !c->row || !c->tmp || !c->rgb || !c->idx)
		goto oom;
	/* Chroma sample of each luma position (4:2:0 taken as centred). */
	int cw = in->planes > 1 ? in->plane_w[1] : 1, ch = in->planes > 1 ? in->plane_h[1] : 1;
	for (int x = 0; x < in->width; x++)
		c->xs[x] = (int)((int64_t)x * cw / in->width);
	for (int y = 0; y < in->height; y++)
		c->ys[y] = (int)((int64_t)y * ch / in->height);
	return 0;
oom:
	vf_conv_free(c);
	snprintf(c->err, sizeof c->err, "out of memory for %dx%d frames", in->width, in->height);
	return -1;
}

void vf_conv_free(struct vf_conv *c)
{
	free(c->xs); free(c->ys); free(c->hw); free(c->vw); free(c->hx0); free(c->hn);
	free(c->vy0); free(c->vn); free(c->row); free(c->tmp); free(c->rgb); free(c->idx);
	c->xs = c->ys = NULL; c->hw = c->vw = NULL; c->hx0 = c->hn = c->vy0 = c->vn = NULL;
	c->row = c->tmp = c->rgb = NULL; c->idx = NULL;
}

static uint8_t clamp8(float v)
{
	return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)(v + 0.5f);
}

void vf_scale(struct vf_conv *c, const uint8_t *yuv)
{
	const struct y4m_info *in = &c->in;
	const uint8_t *Y = yuv + in->plane_off[0];
	const uint8_t *U = in->planes > 1 ? yuv + in->plane_off[1] : NULL;
	const uint8_t *V = in->planes > 1 ? yuv + in->plane_off[2] : NULL;
	int cw = in->planes > 1 ? in->plane_w[1] : 0;
	/* BT.601: video range Y 16..235, Cb/Cr 16..240, or full range. */
	float ys = c->full_range ? 1.0f : 255.0f / 219.0f, yo = c->full_range ? 0.0f : 16.0f;
	float cs = c->full_range ? 1.0f : 255.0f / 224.0f;
	for (int y = 0; y < in->height; y++) {
		const uint8_t *yr = Y + (size_t)y * (size_t)in->width;
		const uint8_t *ur = U ? U + (size_t)c->ys[y] * (size_t)cw : NULL;
		const uint8_t *vr = V ? V + (size_t)c->ys[y] * (size_t)cw : NULL;
		for (int x = 0; x < in->width; x++) {
			float l = ((float)yr[x] - yo) * ys;
			float cb = ur ? ((float)ur[c->xs[x]] - 128.0f) * cs : 0.0f;
			float cr = vr ? ((float)vr[c->xs[x]] - 128.0f) * cs : 0.0f;
			c->row[x * 3 + 0] = lin_of[clamp8(l + 1.402f * cr)];
			c->row[x * 3 + 1] = lin_of[clamp8(l - 0.344136f * cb - 0.714136f * cr)];
			c->row[x * 3 + 2] = lin_of[clamp8(l + 1.772f * cb)];
		}
		float *t = c->tmp + (size_t)y * (size_t)c->bw * 3;
		for (int j = 0; j < c->bw; j++) {
			float s0 = 0, s1 = 0, s2 = 0;
			const float *wt = c->hw + (size_t)j * (size_t)c->hmax;
			const float *src = c->row + (size_t)c->hx0[j] * 3;
			for (int k = 0; k < c->hn[j]; k++) {
				s0 += wt[k] * src[k * 3 + 0];
				s1 += wt[k] * src[k * 3 + 1];
				s2 += wt[k] * src[k * 3 + 2];
			}
			t[j * 3 + 0] = s0; t[j * 3 + 1] = s1; t[j * 3 + 2] = s2;
		}
	}
	memset(c->rgb, 0, (size_t)c->w * (size_t)c->h * 3 * sizeof *c->rgb);
	for (int i = 0; i < c->bh; i++) {
		const float *wt = c->vw + (size_t)i * (size_t)c->vmax;
		float *o = c->rgb + ((size_t)(c->by + i) * (size_t)c->w + (size_t)c->bx) * 3;
		for (int j = 0; j < c->bw * 3; j++) {
			float s = 0;
			for (int k = 0; k < c->vn[i]; k++)
				s += wt[k] * c->tmp[((size_t)(c->vy0[i] + k) * (size_t)c->bw) * 3 + (size_t)j];
			o[j] = srgb_of(s);
		}
	}
}

/* ---- palette ---- */

struct bin { float r, g, b; float n; };

static float dist(float r, float g, float b, float r2, float g2, float b2)
{
	float dr = r - r2, dg = g - g2, db = b - b2;
	return WR * dr * dr + WG * dg * dg + WB * db * db;
}

static void pal_rgb(uint16_t p, float *r, float *g, float *b)
{
	*r = (float)((p >> 8) & 15) * 17.0f;
	*g = (float)((p >> 4) & 15) * 17.0f;
	*b = (float)(p & 15) * 17.0f;
}

static uint16_t snap(float r, float g, float b)
{
	return (uint16_t)(clamp8(r / 17.0f) << 8 | clamp8(g / 17.0f) << 4 | clamp8(b / 17.0f));
}

/* Total weighted error of the bins against palette @p; @assign (or NULL)
 * gets each bin's nearest entry. */
static double pal_error(const struct bin *bins, size_t nb, const uint16_t *p, int np, int *assign)
{
	float pr[16], pg[16], pb[16];
	for (int k = 0; k < np; k++)
		pal_rgb(p[k], &pr[k], &pg[k], &pb[k]);
	double e = 0;
	for (size_t i = 0; i < nb; i++) {
		int best = 0;
		float bd = 1e30f;
		for (int k = 0; k < np; k++) {
			float d = dist(bins[i].r, bins[i].g, bins[i].b, pr[k], pg[k], pb[k]);
			if (d < bd) { bd = d; best = k; }
		}
		if (assign)
			assign[i] = best;
		e += (double)bd * bins[i].n;
	}
	return e;
}

static int cmp_r(const void *a, const void *b) { float d = ((const struct bin *)a)->r - ((const struct bin *)b)->r; return (d > 0) - (d < 0); }
static int cmp_g(const void *a, const void *b) { float d = ((const struct bin *)a)->g - ((const struct bin *)b)->g; return (d > 0) - (d < 0); }
static int cmp_b(const void *a, const void *b) { float d = ((const struct bin *)a)->b - ((const struct bin *)b)->b; return (d > 0) - (d < 0); }

/* Median cut of the bins into up to @k boxes; their means into @cen (3 each).
 * Returns the number of boxes. The bins are reordered. */
static int median_cut(struct bin *bins, size_t nb, int k, float *cen)
{
	size_t lo[16], hi[16];
	int nbox = 1;
	lo[0] = 0; hi[0] = nb;
	while (nbox < k) {
		/* Split the box with the largest weighted spread along its widest channel. */
		int best = -1, bch = 0;
		double bscore = 0;
		for (int i = 0; i < nbox; i++) {
			if (hi[i] - lo[i] < 2)
				continue;
			float mn[3] = { 1e9f, 1e9f, 1e9f }, mx[3] = { -1e9f, -1e9f, -1e9f };
			double n = 0;
			for (size_t j = lo[i]; j < hi[i]; j++) {
				float v[3] = { bins[j].r, bins[j].g, bins[j].b };
				for (int ch = 0; ch < 3; ch++) {
					if (v[ch] < mn[ch]) mn[ch] = v[ch];
					if (v[ch] > mx[ch]) mx[ch] = v[ch];
				}
				n += bins[j].n;
			}
			static const float wch[3] = { WR, WG, WB };
			for (int ch = 0; ch < 3; ch++) {
				double s = (double)wch[ch] * (mx[ch] - mn[ch]) * (mx[ch] - mn[ch]) * sqrt(n);
				if (s > bscore) { bscore = s; best = i; bch = ch; }
			}
		}
		if (best < 0)
			break;
		qsort(bins + lo[best], hi[best] - lo[best], sizeof *bins, bch == 0 ? cmp_r : bch == 1 ? cmp_g : cmp_b);
		double total = 0, acc = 0;
		for (size_t j = lo[best]; j < hi[best]; j++)
			total += bins[j].n;
		size_t cut = lo[best] + 1;
		for (size_t j = lo[best]; j < hi[best] - 1; j++) {
			acc += bins[j].n;
			cut = j + 1;
			if (acc >= total / 2)
				break;
		}
		lo[nbox] = cut; hi[nbox] = hi[best];
		hi[best] = cut;
		nbox++;
	}
	for (int i = 0; i < nbox; i++) {
		double s[3] = { 0, 0, 0 }, n = 0;
		for (size_t j = lo[i]; j < hi[i]; j++) {
			s[0] += (double)bins[j].r * bins[j].n;
			s[1] += (double)bins[j].g * bins[j].n;
			s[2] += (double)bins[j].b * bins[j].n;
			n += bins[j].n;
		}
		for (int ch = 0; ch < 3; ch++)
			cen[i * 3 + ch] = n > 0 ? (float)(s[ch] / n) : 0.0f;
	}
	return nbox;
}

/* Lloyd iterations on the 12-bit grid: assign, move each entry to its
 * bins' mean, snap; replace a duplicate or empty entry by the worst bin. */
static void kmeans(const struct bin *bins, size_t nb, uint16_t *p, int np, int *assign)
{
	for (int it = 0; it < 8; it++) {
		pal_error(bins, nb, p, np, assign);
		double s[16][3] = { { 0 } }, n[16] = { 0 };
		for (size_t i = 0; i < nb; i++) {
			int a = assign[i];
			s[a][0] += (double)bins[i].r * bins[i].n;
			s[a][1] += (double)bins[i].g * bins[i].n;
			s[a][2] += (double)bins[i].b * bins[i].n;
			n[a] += bins[i].n;
		}
		int moved = 0;
		for (int k = 0; k < np; k++) {
			uint16_t q = p[k];
			if (n[k] > 0)
				q = snap((float)(s[k][0] / n[k]), (float)(s[k][1] / n[k]), (float)(s[k][2] / n[k]));
			for (int j = 0; j < k; j++)
				if (p[j] == q)
					n[k] = 0;   /* a duplicate: reseed below */
			if (n[k] == 0) {
				/* The bin worst served by the palette so far. */
				float br = 0, bg = 0, bb = 0, wd = -1;
				for (size_t i = 0; i < nb; i++) {
					float pr, pg, pb;
					pal_rgb(p[assign[i]], &pr, &pg, &pb);
					float d = dist(bins[i].r, bins[i].g, bins[i].b, pr, pg, pb) * bins[i].n;
					if (d > wd) { wd = d; br = bins[i].r; bg = bins[i].g; bb = bins[i].b; }
				}
				q = snap(br, bg, bb);
				for (int j = 0; j < np; j++)
					if (j != k && p[j] == q)
						q = p[k];   /* already there: keep what we had */
			}
			if (q != p[k]) {
				p[k] = q;
				moved = 1;
			}
		}
		if (!moved)
			break;
	}
}

int vf_palette(const float *rgb, size_t n, const uint16_t *prev, int black, uint16_t pal[16])
{
	/* A histogram on a 32-level grid per channel, each bin holding its mean. */
	float *acc = calloc(32768 * 4, sizeof *acc);
	struct bin *bins = malloc((n ? n : 1) * sizeof *bins);
	int *assign = malloc((n ? n : 1) * sizeof *assign);
	if (!acc || !bins || !assign) {
		free(acc); free(bins); free(assign);
		if (prev) {
			memcpy(pal, prev, 16 * sizeof *pal);
			return 1;
		}
		for (int k = 0; k < 16; k++)
			pal[k] = (uint16_t)(k * 0x111);   /* greys: better than nothing */
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const float *p = rgb + i * 3;
		int key = clamp8(p[0]) >> 3 << 10 | clamp8(p[1]) >> 3 << 5 | clamp8(p[2]) >> 3;
		float *a = acc + key * 4;
		a[0] += p[0]; a[1] += p[1]; a[2] += p[2]; a[3] += 1;
	}
	size_t nb = 0;
	for (int key = 0; key < 32768; key++) {
		float *a = acc + key * 4;
		if (a[3] > 0)
			bins[nb++] = (struct bin){ a[0] / a[3], a[1] / a[3], a[2] / a[3], a[3] };
	}
	free(acc);

	int off = black ? 1 : 0, np = 16 - off;
	uint16_t cand[2][16];
	double err[2];
	/* Candidate 0: median cut, refined. */
	float cen[48];
	int nbox = median_cut(bins, nb, np, cen);
	for (int k = 0; k < np; k++)
		cand[0][k] = k < nbox ? snap(cen[k * 3], cen[k * 3 + 1], cen[k * 3 + 2]) : 0;
	for (int k = nbox; k < np; k++)
		cand[0][k] = (uint16_t)(k * 0x111 & 0xFFF);   /* fewer colours than entries: spares */
	kmeans(bins, nb, cand[0], np, assign);
	err[0] = pal_error(bins, nb, cand[0], np, NULL);
	int best = 0;
	int kept = 0;
	if (prev) {
		/* Candidate 1: the palette before, refined. */
		memcpy(cand[1], prev + off, (size_t)np * sizeof *prev);
		kmeans(bins, nb, cand[1], np, assign);
		err[1] = pal_error(bins, nb, cand[1], np, NULL);
		if (err[1] < err[0])
			best = 1;
		/* The palette before, unchanged, if it is nearly as good: no flicker. */
		double e_prev = pal_error(bins, nb, prev + off, np, NULL);
		if ((!black || prev[0] == 0) && e_prev <= err[best] * 1.03 + 1e-3) {
			memcpy(pal, prev, 16 * sizeof *pal);
			kept = 1;
		}
	}
	if (!kept) {
		if (black)
			pal[0] = 0;
		memcpy(pal + off, cand[best], (size_t)np * sizeof *pal);
	}
	free(bins);
	free(assign);
	return kept;
}

void vf_dither(const float *rgb, int w, int bx, int by, int bw, int bh, const uint16_t pal[16], int dither,
               uint8_t *idx)
{
	float pr[16], pg[16], pb[16];
	/* What the palette can reach: the wanted colour is kept inside its box. */
	float lo[3] = { 255, 255, 255 }, hi[3] = { 0, 0, 0 };
	for (int k = 0; k < 16; k++) {
		pal_rgb(pal[k], &pr[k], &pg[k], &pb[k]);
		float v[3] = { pr[k], pg[k], pb[k] };
		for (int ch = 0; ch < 3; ch++) {
			lo[ch] = v[ch] < lo[ch] ? v[ch] : lo[ch];
			hi[ch] = v[ch] > hi[ch] ? v[ch] : hi[ch];
		}
	}
	/* The bound of the error carried into a pixel: half the widest gap
	 * between an entry and its nearest other one (so a sparse palette, black
	 * and white, still keeps the local mean), but at least 40 of 255. */
	float gap = 0;
	for (int k = 0; k < 16; k++) {
		float near = 1e9f;
		for (int j = 0; j < 16; j++) {
			if (pal[j] == pal[k])
				continue;
			float d = fmaxf(fabsf(pr[k] - pr[j]), fmaxf(fabsf(pg[k] - pg[j]), fabsf(pb[k] - pb[j])));
			near = d < near ? d : near;
		}
		if (near < 1e9f && near > gap)
			gap = near;
	}
	const float ERR_MAX = fmaxf(40.0f, gap / 2);
	/* Two rows of diffused error, with a one-pixel margin on each side. */
	size_t rw = (size_t)bw + 2;
	float *e0 = calloc(rw * 3, sizeof *e0), *e1 = calloc(rw * 3, sizeof *e1);
	if (!e0 || !e1)
		dither = 0;
	for (int y = 0; y < bh; y++) {
		int rev = y & 1;   /* serpentine: odd rows right to left */
		if (e1)
			memset(e1, 0, rw * 3 * sizeof *e1);
		for (int i = 0; i < bw; i++) {
			int x = rev ? bw - 1 - i : i;
			const float *p = rgb + ((size_t)(by + y) * (size_t)w + (size_t)(bx + x)) * 3;
			float want[3];
			for (int ch = 0; ch < 3; ch++) {
				/* The error carried in is bounded: in a flat area between two
				 * entries it would otherwise pile up until a far colour fires,
				 * a lone dot of it (what viewers notice first). */
				float e = dither ? e0[(size_t)(x + 1) * 3 + (size_t)ch] : 0.0f;
				e = e > ERR_MAX ? ERR_MAX : e < -ERR_MAX ? -ERR_MAX : e;
				float v = p[ch] + e;
				want[ch] = v < lo[ch] ? lo[ch] : v > hi[ch] ? hi[ch] : v;   /* no run-away error */
			}
			int best = 0;
			float bd = 1e30f;
			for (int k = 0; k < 16; k++) {
				float d = dist(want[0], want[1], want[2], pr[k], pg[k], pb[k]);
				if (d < bd) { bd = d; best = k; }
			}
			idx[(size_t)(by + y) * (size_t)w + (size_t)(bx + x)] = (uint8_t)best;
			if (!dither)
				continue;
			float q[3] = { want[0] - pr[best], want[1] - pg[best], want[2] - pb[best] };
			int f = rev ? -1 : 1;   /* "forward" along this row */
			for (int ch = 0; ch < 3; ch++) {
				size_t c = (size_t)ch;
				e0[(size_t)(x + 1 + f) * 3 + c] += q[ch] * (7.0f / 16);
				e1[(size_t)(x + 1 - f) * 3 + c] += q[ch] * (3.0f / 16);
				e1[(size_t)(x + 1) * 3 + c] += q[ch] * (5.0f / 16);
				e1[(size_t)(x + 1 + f) * 3 + c] += q[ch] * (1.0f / 16);
			}
		}
		if (e0) {
			float *t = e0; e0 = e1; e1 = t;
		}
	}
	free(e0);
	free(e1);
}

/* ---- records ---- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

size_t vf_rle(const uint8_t *idx, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t run = 1;
		while (run < 16 && i + run < n && idx[i + run] == idx[i])
			run++;
		out[o++] = (uint8_t)((run - 1) << 4 | (idx[i] & 15));
		i += run;
	}
	if (o & 1)
		out[o++] = 0;   /* a 1-pixel run past the end: the decoder ignores it */
	return o;
}

size_t vf_record(const uint8_t *idx, int w, int h, const uint16_t pal[16], uint16_t duration, int fmt,
                 uint8_t *out)
{
	size_t n = (size_t)w * (size_t)h, raw = n / 2, len = raw;
	uint8_t *px = out + VF_HDR_LEN + VF_PAL_LEN;
	if (fmt != VF_FMT_RAW) {
		/* Count first: the RLE can be up to twice the raw size, more than @out holds. */
		size_t runs = 0;
		for (size_t i = 0; i < n;) {
			size_t run = 1;
			while (run < 16 && i + run < n && idx[i + run] == idx[i])
				run++;
			runs++;
			i += run;
		}
		size_t rle = runs + (runs & 1);
		if (fmt == VF_FMT_RLE ? 1 : rle < raw) {
			if (fmt == VF_FMT_RLE && rle > raw)
				fmt = VF_FMT_RAW;   /* does not fit in a record's room: raw */
			else {
				fmt = VF_FMT_RLE;
				len = vf_rle(idx, n, px);
			}
		} else
			fmt = VF_FMT_RAW;
	}
	if (fmt == VF_FMT_RAW)
		for (size_t i = 0; i < raw; i++)
			px[i] = (uint8_t)((idx[2 * i] & 15) | (idx[2 * i + 1] & 15) << 4);
	out[0] = VF_MAGIC_FRAME;
	out[1] = (uint8_t)fmt;
	put16(out + 2, duration);
	put16(out + 4, (uint16_t)len);
	out[6] = (uint8_t)(w / 4);
	out[7] = (uint8_t)(h / 4);
	for (int k = 0; k < 16; k++)
		put16(out + VF_HDR_LEN + 2 * k, pal[k] & 0xFFF);
	return VF_HDR_LEN + VF_PAL_LEN + len;
}

size_t vf_end_record(uint8_t out[VF_HDR_LEN])
{
	memset(out, 0, VF_HDR_LEN);
	out[0] = VF_MAGIC_END;
	return VF_HDR_LEN;
}

size_t vf_conv_frame(struct vf_conv *c, const uint8_t *yuv, uint8_t *out)
{
	vf_scale(c, yuv);
	int bars = c->bw < c->w || c->bh < c->h;
	/* The palette from the picture only, the bars being black. */
	size_t n = (size_t)c->bw * (size_t)c->bh;
	float *pic = c->rgb;
	float *tmp = NULL;
	if (bars && (tmp = malloc(n * 3 * sizeof *tmp)) != NULL) {
		for (int y = 0; y < c->bh; y++)
			memcpy(tmp + (size_t)y * (size_t)c->bw * 3,
			       c->rgb + ((size_t)(c->by + y) * (size_t)c->w + (size_t)c->bx) * 3,
			       (size_t)c->bw * 3 * sizeof *tmp);
		pic = tmp;
	} else if (bars) {
		n = (size_t)c->w * (size_t)c->h;   /* out of memory: the whole frame, bars too */
	}
	c->palette_kept = vf_palette(pic, n, c->have_pal ? c->pal : NULL, bars, c->pal);
	free(tmp);
	c->have_pal = 1;
	memset(c->idx, 0, (size_t)c->w * (size_t)c->h);
	vf_dither(c->rgb, c->w, c->bx, c->by, c->bw, c->bh, c->pal, 1, c->idx);
	return vf_record(c->idx, c->w, c->h, c->pal, vf_clock_next(&c->clock), c->fmt, out);
}

long vf_decode(const uint8_t *buf, size_t n, struct vf_record *r, uint8_t *rgb, size_t rgb_max, uint8_t *idx,
               char *err, size_t errlen)
{
	if (n < VF_HDR_LEN)
		return 0;
	memset(r, 0, sizeof *r);
	r->magic = buf[0];
	r->format = buf[1];
	r->duration = get16(buf + 2);
	size_t len = get16(buf + 4);
	r->w = buf[6] * 4;
	r->h = buf[7] * 4;
	if (r->magic == VF_MAGIC_END) {
		for (int i = 1; i < VF_HDR_LEN; i++)
			if (buf[i]) {
				snprintf(err, errlen, "end-of-stream record with a non-zero byte at offset %d", i);
				return -1;
			}
		r->len = VF_HDR_LEN;
		return VF_HDR_LEN;
	}
	if (r->magic != VF_MAGIC_FRAME) {
		snprintf(err, errlen, "bad record magic 0x%02X (0xF5 frame, 0xE5 end)", r->magic);
		return -1;
	}
	if (r->format > VF_FMT_RLE) {
		snprintf(err, errlen, "unknown frame format %d", r->format);
		return -1;
	}
	if (len & 1) {
		snprintf(err, errlen, "odd data length %zu", len);
		return -1;
	}
	size_t px = (size_t)r->w * (size_t)r->h;
	if (!px || px * 3 > rgb_max) {
		snprintf(err, errlen, "frame size %dx%d is empty or larger than the %zu bytes given", r->w, r->h, rgb_max);
		return -1;
	}
	if (r->format == VF_FMT_RAW && len != px / 2) {
		snprintf(err, errlen, "raw %dx%d frame with %zu bytes of pixels (needs %zu)", r->w, r->h, len, px / 2);
		return -1;
	}
	if (n < VF_HDR_LEN + VF_PAL_LEN + len)
		return 0;
	for (int k = 0; k < 16; k++) {
		r->pal[k] = get16(buf + VF_HDR_LEN + 2 * k);
		if (r->pal[k] > 0xFFF) {
			snprintf(err, errlen, "palette entry %d is 0x%04X (above 0x0FFF)", k, r->pal[k]);
			return -1;
		}
	}
	const uint8_t *d = buf + VF_HDR_LEN + VF_PAL_LEN;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (r->format == VF_FMT_RAW) {
			uint8_t two[2] = { (uint8_t)(d[i] & 15), (uint8_t)(d[i] >> 4) };
			for (int k = 0; k < 2; k++, o++) {
				if (idx)
					idx[o] = two[k];
				float pr, pg, pb;
				pal_rgb(r->pal[two[k]], &pr, &pg, &pb);
				rgb[o * 3] = (uint8_t)pr; rgb[o * 3 + 1] = (uint8_t)pg; rgb[o * 3 + 2] = (uint8_t)pb;
			}
			continue;
		}
		size_t run = (size_t)(d[i] >> 4) + 1;
		if (o == px) {
			/* Only the one pad byte may follow a complete frame. */
			if (i != len - 1 || d[i] != 0) {
				snprintf(err, errlen, "RLE data goes on past the frame's %zu pixels", px);
				return -1;
			}
			break;
		}
		if (o + run > px) {
			snprintf(err, errlen, "RLE run of %zu at pixel %zu overflows the frame's %zu pixels", run, o, px);
			return -1;
		}
		float pr, pg, pb;
		pal_rgb(r->pal[d[i] & 15], &pr, &pg, &pb);
		for (size_t k = 0; k < run; k++, o++) {
			if (idx)
				idx[o] = d[i] & 15;
			rgb[o * 3] = (uint8_t)pr; rgb[o * 3 + 1] = (uint8_t)pg; rgb[o * 3 + 2] = (uint8_t)pb;
		}
	}
	if (o != px) {
		snprintf(err, errlen, "RLE data ends after %zu of the frame's %zu pixels", o, px);
		return -1;
	}
	r->len = VF_HDR_LEN + VF_PAL_LEN + len;
	return (long)r->len;
}
