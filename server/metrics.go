package server

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are what /metrics exposes, in a registry of the server's own
// (nothing registered globally, so two servers in one process, as in
// tests, count apart).
type metrics struct {
	reg            *prometheus.Registry
	scans          *prometheus.CounterVec
	duration       prometheus.Histogram
	layersAnalysed prometheus.Counter
	layersCached   prometheus.Counter
	requests       *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_scans_total",
			Help: "Image scan jobs finished, by result: done (scanned), cached (answered from a kept report), failed.",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bulwark_scan_duration_seconds",
			Help:    "Time from a worker taking an image scan job to its result.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}),
		layersAnalysed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bulwark_layers_analysed_total",
			Help: "Image layers read and analysed by the workers.",
		}),
		layersCached: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bulwark_layers_cached_total",
			Help: "Image layers whose analysis came from the layer cache.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_http_requests_total",
			Help: "HTTP requests answered, by status code and route pattern.",
		}, []string{"code", "route"}),
	}
	for _, result := range []string{"done", "cached", "failed"} {
		m.scans.WithLabelValues(result) // listed at 0 from the start
	}
	queueDepth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bulwark_queue_depth",
		Help: "Scan jobs submitted and not yet finished.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := s.queue.Depth(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
	dbAge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bulwark_db_age_seconds",
		Help: "Age of the vulnerability database's oldest ecosystem (NaN when there is no usable database).",
	}, func() float64 {
		_, updated, err := s.db.identity()
		if err != nil {
			return math.NaN()
		}
		return time.Since(updated).Seconds()
	})
	m.reg.MustRegister(m.scans, m.duration, m.layersAnalysed, m.layersCached, m.requests, queueDepth, dbAge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
