package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser accepts five fields, six with leading seconds, descriptors
// (@hourly, @every 30m) and a CRON_TZ= / TZ= prefix.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses one non-empty cron spec the way the config validates
// it, so the daemon schedules exactly what `config check` accepted. The
// error is the reason only; callers add the key and the spec.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty spec; an empty schedule disables the job and must not be parsed")
	}
	if tz, rest, _ := strings.Cut(spec, " "); (strings.HasPrefix(tz, "TZ=") || strings.HasPrefix(tz, "CRON_TZ=")) && strings.TrimSpace(rest) == "" {
		// robfig/cron v3.0.1 panics on a time zone with no fields (#554).
		return nil, fmt.Errorf("%s must be followed by a space and a schedule, as in \"%s 0 4 * * *\"", tz, tz)
	}
	defer func() {
		// The parser is unmaintained; any other panic is a parse failure
		// too, not a crash of `config check` or the daemon.
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cron parser failed: %v", r)
		}
	}()
	if d, ok := strings.CutPrefix(specBody(spec), "@every "); ok {
		// robfig silently turns a negative or sub-second interval into 1s.
		if dur, perr := time.ParseDuration(strings.TrimSpace(d)); perr == nil && dur < time.Second {
			return nil, fmt.Errorf("@every needs an interval of at least 1s, got %s", strings.TrimSpace(d))
		}
	}
	sched, err = cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%w (use 5 fields: minute hour day-of-month month day-of-week; 6 with seconds first; or a descriptor such as @hourly or @every 30m)", err)
	}
	// A date that never occurs (0 0 30 2 *) parses but would never run.
	if sched.Next(time.Now()).IsZero() {
		return nil, errors.New("the schedule never fires (no such date); check the day and month fields")
	}
	return sched, nil
}

// specBody strips a time zone prefix.
func specBody(spec string) string {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		_, rest, _ := strings.Cut(spec, " ")
		return strings.TrimSpace(rest)
	}
	return spec
}

// check validates every non-empty spec; an empty one disables its job.
func (s Schedule) check(ps *problems) {
	for _, j := range []struct{ key, spec string }{
		{"schedule.validate_token", s.ValidateToken},
		{"schedule.refresh_resources", s.RefreshResources},
		{"schedule.sync", s.Sync},
		{"schedule.full_sync", s.FullSync},
		{"schedule.backup", s.Backup},
	} {
		if strings.TrimSpace(j.spec) == "" {
			continue
		}
		if _, err := ParseSchedule(j.spec); err != nil {
			ps.at(j.key, "%s: bad cron spec %q: %v", j.key, j.spec, err)
		}
	}
}
