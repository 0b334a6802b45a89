/*  hms_forecast: time left before a level reaches its limit.  */

#include "hms_forecast.h"

#include <math.h>
#include <string.h>

void hms_forecast_add(hms_forecast_t *self, double value)
{
    if (self->count == 0) {
        self->level = value;
        self->trend = 0;
    } else {
        double level = self->level;
        self->level = HMS_FORECAST_ALPHA * value +
                      (1 - HMS_FORECAST_ALPHA) * (level + HMS_FORECAST_PHI * self->trend);
        self->trend = HMS_FORECAST_BETA * (self->level - level) +
                      (1 - HMS_FORECAST_BETA) * HMS_FORECAST_PHI * self->trend;
    }
    self->values[self->count % HMS_FORECAST_POINTS] = value;
    self->count++;
}

void hms_forecast_reset(hms_forecast_t *self)
{
    memset(self, 0, sizeof *self);
}

double hms_forecast_linear(const hms_forecast_t *self, double limit)
{
    if (self->count < HMS_FORECAST_MIN_POINTS)
        return NAN;
    size_t n = self->count < HMS_FORECAST_POINTS ? self->count : HMS_FORECAST_POINTS;
    //  x: the step, 0 for the oldest point kept, n - 1 for the last.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double y = self->values[(self->count - n + i) % HMS_FORECAST_POINTS];
        sx += (double)i;
        sy += y;
        sxx += (double)i * (double)i;
        sxy += (double)i * y;
    }
    double slope = ((double)n * sxy - sx * sy) / ((double)n * sxx - sx * sx);
    double now = (sy - slope * sx) / (double)n + slope * (double)(n - 1);
    if (now >= limit)
        return 0;
    if (!(slope > 0))
        return HMS_FORECAST_NEVER;
    double eta = (limit - now) / slope * HMS_FORECAST_STEP_S;
    return eta < HMS_FORECAST_NEVER ? eta : HMS_FORECAST_NEVER;
}

double hms_forecast_holt(const hms_forecast_t *self, double limit)
{
    if (self->count < HMS_FORECAST_MIN_POINTS)
        return NAN;
    double gap = limit - self->level;
    if (gap <= 0)
        return 0;
    if (!(self->trend > 0))
        return HMS_FORECAST_NEVER;
    //  level + trend * phi (1 - phi^h) / (1 - phi) = limit, for h.
    const double phi = HMS_FORECAST_PHI;
    double rest = 1 - gap * (1 - phi) / (self->trend * phi);
    if (rest <= 0)
        return HMS_FORECAST_NEVER; //  the damped trend levels off first
    double eta = log(rest) / log(phi) * HMS_FORECAST_STEP_S;
    return eta < HMS_FORECAST_NEVER ? eta : HMS_FORECAST_NEVER;
}
