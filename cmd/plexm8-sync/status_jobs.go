package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/status"
	"github.com/plexm8/plexm8-sync/internal/table"
)

// printJobs is the JOB table. The next runs are the running daemon's plan,
// so without a daemon there is no such column. The result comes last so
// that an error can go on a line of its own beneath it.
func printJobs(w io.Writer, jobs []status.Job, running bool, now time.Time, opts table.Options) error {
	cols := []table.Column{{Key: "job", Header: "JOB"}, {Key: "schedule", Header: "SCHEDULE"}}
	if running {
		cols = append(cols, table.Column{Key: "next_run", Header: "NEXT RUN"})
	}
	cols = append(cols, table.Column{Key: "last_run", Header: "LAST RUN"}, table.Column{Key: "took", Header: "TOOK", Right: true},
		table.Column{Key: "result", Header: "RESULT"})
	tw := table.New(w, cols, opts)
	row := func(job, spec, next, last, took, result string) error {
		vals := []any{job, spec}
		if running {
			vals = append(vals, next)
		}
		return tw.Row(append(vals, last, took, result)...)
	}
	for _, j := range jobs {
		spec, lastAt, took, result := "off", "never", "-", "-"
		if j.Schedule != nil {
			spec = *j.Schedule
		}
		if l := j.LastRun; l != nil {
			lastAt, result = when(&l.StartedAt, now), l.Status
			if c := detailText(l.Details); c != "" {
				result += ": " + c
			}
			if l.Duration != nil {
				took = format.Duration(time.Duration(*l.Duration) * time.Second)
			}
		}
		if err := row(j.Name, spec, when(j.NextRun, now), lastAt, took, result); err != nil {
			return err
		}
		if j.LastRun != nil && j.LastRun.Error != "" {
			if err := row("", "", "", "", "", firstLine(j.LastRun.Error)); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// detailText renders the counts in a job's details: "servers 2, added 3".
func detailText(raw json.RawMessage) string {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber() // 1000000 stays 1000000, not 1e+06
	if len(raw) == 0 || dec.Decode(&m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if _, ok := v.(json.Number); ok {
			keys = append(keys, k)
		}
	}
	// The sync counts read best in their natural order; others by name.
	rank := func(k string) int {
		if i := slices.Index([]string{"servers", "added", "updated", "removed", "bytes"}, k); i >= 0 {
			return i
		}
		return 99
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
