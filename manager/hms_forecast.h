/*  hms_forecast: time left before a level reaches its limit.

    Early warning of memory and pids exhaustion (docs/SECURITY-MONITORING.md)
    from one point every step (10 s: the mean of its seconds), two ways:

    - linear: a least-squares line over the last HMS_FORECAST_POINTS points
      (5 minutes), extended to the limit, as Prometheus's predict_linear;
    - Holt's damped trend: exponential smoothing of the level (alpha) and
      the trend (beta), the trend damped by phi at each step, so that a
      burst does not run on for ever: the forecast h steps ahead is
      level + trend * (phi + phi^2 + ... + phi^h), which never passes
      level + trend * phi / (1 - phi).

    Time left is in seconds from the last point: 0 once the level is at
    the limit, HMS_FORECAST_NEVER when the level does not grow (or, damped,
    never gets there), NAN before HMS_FORECAST_MIN_POINTS points.
*/
#ifndef HMS_FORECAST_H_INCLUDED
#define HMS_FORECAST_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define HMS_FORECAST_STEP_S     10
#define HMS_FORECAST_POINTS     30  //  the linear window: 5 minutes of steps
#define HMS_FORECAST_MIN_POINTS 6   //  a minute before any forecast
#define HMS_FORECAST_NEVER      1e9 //  seconds: "does not get there"
#define HMS_FORECAST_ALPHA      0.5
#define HMS_FORECAST_BETA       0.2
#define HMS_FORECAST_PHI        0.98 //  per 10-s step

typedef struct {
    double values[HMS_FORECAST_POINTS]; //  a ring of the last points
    size_t count;                       //  points seen (the ring holds the last ones)
    double level, trend;                //  Holt's state
} hms_forecast_t;

//  Adds the next step's point (the steps are regular: a missing one is
//  the caller's to fill or to start over with hms_forecast_reset).
void hms_forecast_add(hms_forecast_t *self, double value);

//  Forgets every point.
void hms_forecast_reset(hms_forecast_t *self);

//  Seconds until the level reaches limit, by the regression line.
double hms_forecast_linear(const hms_forecast_t *self, double limit);

//  The same by Holt's damped trend.
double hms_forecast_holt(const hms_forecast_t *self, double limit);

#endif
