package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseScheduleAccepts(t *testing.T) {
	for _, spec := range []string{
		"@every 15m", "@hourly", "@daily", "0 4 * * *", "30 0 4 * * *", " 0 */6 * * * ",
		"CRON_TZ=UTC 0 3 * * *", "TZ=UTC @every 1h", DefaultValidateToken, DefaultRefreshResources,
		DefaultSync, DefaultFullSync, DefaultBackup,
	} {
		s, err := ParseSchedule(spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if s.Next(time.Now()).IsZero() {
			t.Errorf("%q never fires", spec)
		}
	}
}

func TestParseScheduleRejects(t *testing.T) {
	tests := map[string]string{
		"":                               "empty spec",
		"every 5m":                       "expected 5 to 6 fields",
		"TZ=UTC":                         "TZ=UTC must be followed by a space",
		"CRON_TZ=Europe/Berlin":          "CRON_TZ=Europe/Berlin must be followed by a space",
		"CRON_TZ=Nowhere/Land 0 4 * * *": "provided bad location Nowhere/Land",
		"@every -5m":                     "@every needs an interval of at least 1s, got -5m",
		"@every 10ms":                    "at least 1s",
		"@every soon":                    "failed to parse duration",
		"61 * * * *":                     "end of range (61) above maximum (59)",
		"0 0 30 2 *":                     "never fires",
		"@fortnightly":                   "unrecognized descriptor",
	}
	for spec, want := range tests {
		s, err := ParseSchedule(spec)
		if err == nil || s != nil {
			t.Errorf("%q: want an error, got %v", spec, s)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not contain %q", spec, err, want)
		}
	}
}
