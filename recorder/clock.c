/* Tick-to-nanosecond conversion: see clock.h. */
#include "clock.h"

#include "platform.h"

uint64_t ddirr_clock_mul_shr32(uint64_t a, uint64_t m)
{
	uint64_t ah = a >> 32, al = a & 0xffffffffu, mh = m >> 32, ml = m & 0xffffffffu;

	/* a*m = ah*mh*2^64 + (ah*ml + al*mh)*2^32 + al*ml: shifted right by
	   32, only the last term loses bits; it is rounded to nearest
	   (al*ml + 2^31 cannot overflow: al*ml <= 2^64 - 2^33 + 1). */
	return ((ah * mh) << 32) + ah * ml + al * mh + ((al * ml + ((uint64_t)1 << 31)) >> 32);
}

uint64_t ddirr_clock_rate(uint64_t n, uint64_t d)
{
	uint64_t q, r, f = 0;
	int i;

	if (!d)
		return (uint64_t)1 << 32;
	q = n / d;
	r = n % d;
	/* The fraction r * 2^32 / d (r < d) by long division, one bit at a
	   time, exact for any d: a doubled r that overflows is above d. */
	for (i = 0; i < 32; i++) {
		int carry = (int)(r >> 63);

		r <<= 1;
		f <<= 1;
		if (carry || r >= d) {
			r -= d;
			f |= 1;
		}
	}
	return (q << 32) + f;
}

void ddirr_clock_start(ddirr_clock *c, int ticks_are_ns)
{
	c->ticks_are_ns = ticks_are_ns;
	c->mult = (uint64_t)1 << 32;
	ddirr_platform_ticks_anchor(&c->first_ticks, &c->first_ns);
	c->last_ticks = c->first_ticks;
	c->last_ns = c->first_ns;
	if (ticks_are_ns)
		return;
	ddirr_platform_sleep_ms(DDIRR_CLOCK_CALIBRATE_MS);
	ddirr_clock_anchor(c);
}

void ddirr_clock_anchor(ddirr_clock *c)
{
	uint64_t ticks, ns;

	if (c->ticks_are_ns)
		return;
	ddirr_platform_ticks_anchor(&ticks, &ns);
	/* A tick source that stood still or ran backwards (it cannot, when
	   the kernel keeps it as its clocksource) keeps the last rate. */
	if (ticks <= c->first_ticks || ns <= c->first_ns)
		return;
	c->last_ticks = ticks;
	c->last_ns = ns;
	c->mult = ddirr_clock_rate(ns - c->first_ns, ticks - c->first_ticks);
}

uint64_t ddirr_clock_ns(const ddirr_clock *c, uint64_t ticks)
{
	uint64_t d;

	if (c->ticks_are_ns)
		return ticks;
	/* Records stamped before the latest anchor (the drain anchors at the
	   start of a pass, then takes what was published before) count
	   back from it. */
	if (ticks >= c->last_ticks)
		return c->last_ns + ddirr_clock_mul_shr32(ticks - c->last_ticks, c->mult);
	d = ddirr_clock_mul_shr32(c->last_ticks - ticks, c->mult);
	return d < c->last_ns ? c->last_ns - d : 0;
}
