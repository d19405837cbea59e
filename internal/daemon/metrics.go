package daemon

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// Metrics are the daemon's Prometheus metrics, on a registry of its own so
// that tests (and two daemons in one process) never share counters. A nil
// *Metrics records nothing.
type Metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	items       *prometheus.CounterVec
	token       *prometheus.GaugeVec
}

// NewMetrics registers the metrics; stats, when set, is read at each scrape
// for the Plex request counters.
func NewMetrics(stats func() plex.Stats) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plexm8_job_runs_total", Help: "Runs of each daemon job by result (ok, partial, failed, skipped, paused).",
		}, []string{"job", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "plexm8_job_duration_seconds", Help: "How long each job's runs took.",
			Buckets: []float64{0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "plexm8_job_last_success_timestamp_seconds", Help: "Unix time of each job's last successful run.",
		}, []string{"job"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plexm8_items_changed_total", Help: "Mirror rows added, updated or marked removed by syncs, by kind.",
		}, []string{"kind", "change"}),
		token: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "plexm8_token_state", Help: "1 for the current plex.tv token state (ok, rejected, unknown), 0 for the others.",
		}, []string{"state"}),
	}
	m.reg.MustRegister(m.runs, m.duration, m.lastSuccess, m.items, m.token,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if stats != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plexm8_plex_requests_total", Help: "HTTP requests to plex.tv and the servers, retries and probes included."},
				func() float64 { return float64(stats().Requests) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plexm8_plex_retries_total", Help: "Requests that were attempts after the first."},
				func() float64 { return float64(stats().Retries) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plexm8_plex_rate_limited_total", Help: "429 Too Many Requests answers received."},
				func() float64 { return float64(stats().RateLimited) }),
		)
	}
	for _, s := range []string{db.TokenOK, db.TokenRejected, db.TokenUnknown} {
		m.token.WithLabelValues(s).Set(0)
	}
	m.token.WithLabelValues(db.TokenUnknown).Set(1)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *Metrics) observeRun(job db.JobName, status db.RunStatus, d time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(string(job), string(status)).Inc()
	if status == db.RunSkipped || status == db.RunPaused {
		return
	}
	m.duration.WithLabelValues(string(job)).Observe(d.Seconds())
	if status == db.RunOK {
		m.lastSuccess.WithLabelValues(string(job)).SetToCurrentTime()
	}
}

func (m *Metrics) observeItems(kind string, added, updated, removed int) {
	if m == nil {
		return
	}
	m.items.WithLabelValues(kind, "added").Add(float64(added))
	m.items.WithLabelValues(kind, "updated").Add(float64(updated))
	m.items.WithLabelValues(kind, "removed").Add(float64(removed))
}

func (m *Metrics) setToken(state string) {
	if m == nil {
		return
	}
	for _, s := range []string{db.TokenOK, db.TokenRejected, db.TokenUnknown} {
		v := 0.0
		if s == state {
			v = 1
		}
		m.token.WithLabelValues(s).Set(v)
	}
}
