package packaging

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// dockerInstr is one instruction of a Dockerfile, continuation lines joined.
type dockerInstr struct{ op, args string }

func parseDockerfile(t *testing.T) []dockerInstr {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstr
	var cur strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		trim := strings.TrimSpace(l)
		if cur.Len() == 0 && (trim == "" || strings.HasPrefix(trim, "#")) {
			continue
		}
		if strings.HasSuffix(trim, "\\") {
			cur.WriteString(strings.TrimSuffix(trim, "\\") + " ")
			continue
		}
		cur.WriteString(trim)
		op, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstr{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// finalStage is the instructions after the last FROM, with that FROM first.
func finalStage(instrs []dockerInstr) []dockerInstr {
	for i := len(instrs) - 1; i >= 0; i-- {
		if instrs[i].op == "FROM" {
			return instrs[i:]
		}
	}
	return nil
}

func jsonArgs(t *testing.T, in dockerInstr) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil {
		t.Fatalf("%s %s: not an exec-form JSON array: %v", in.op, in.args, err)
	}
	return v
}

// imageSpec is what the final stage promises, read from the Dockerfile.
type imageSpec struct {
	from, user         string
	env                map[string]string
	volumes            []string
	entrypoint, cmd    []string
	healthcheck        []string
	healthcheckOptions string
}

func readImageSpec(t *testing.T) imageSpec {
	t.Helper()
	stage := finalStage(parseDockerfile(t))
	if stage == nil {
		t.Fatal("Dockerfile has no FROM")
	}
	s := imageSpec{from: stage[0].args, env: map[string]string{}}
	for _, in := range stage[1:] {
		switch in.op {
		case "USER":
			s.user = in.args
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				s.env[k] = v
			}
		case "VOLUME":
			s.volumes = append(s.volumes, jsonArgs(t, in)...)
		case "ENTRYPOINT":
			s.entrypoint = jsonArgs(t, in)
		case "CMD":
			s.cmd = jsonArgs(t, in)
		case "HEALTHCHECK":
			opts, cmd, ok := strings.Cut(in.args, "CMD ")
			if !ok {
				t.Fatalf("HEALTHCHECK without CMD: %s", in.args)
			}
			s.healthcheckOptions = opts
			s.healthcheck = jsonArgs(t, dockerInstr{"CMD", cmd})
		}
	}
	return s
}

func TestDockerfile(t *testing.T) {
	s := readImageSpec(t)
	if s.from != "scratch" {
		t.Errorf("final stage FROM %s, want scratch", s.from)
	}
	if uid, _, _ := strings.Cut(s.user, ":"); uid == "" || uid == "0" || uid == "root" {
		t.Errorf("USER %q: the image must not run as root", s.user)
	}
	if !slices.Contains(s.volumes, "/data") || s.env["STATE_DIRECTORY"] != "/data" {
		t.Errorf("state must live in the /data volume: VOLUME %v, STATE_DIRECTORY=%q", s.volumes, s.env["STATE_DIRECTORY"])
	}
	if s.env["PLEXM8_CONFIG"] != "/etc/plexm8/config.yaml" {
		t.Errorf("PLEXM8_CONFIG=%q, want /etc/plexm8/config.yaml (the mount point for a config file)", s.env["PLEXM8_CONFIG"])
	}
	bin := "/usr/bin/plexm8-sync"
	if !slices.Equal(s.entrypoint, []string{bin}) || len(s.cmd) == 0 || s.cmd[0] != "run" {
		t.Errorf("ENTRYPOINT %v CMD %v, want [%s] and run", s.entrypoint, s.cmd, bin)
	}
	// The health check asks the address `run --http` listens on, with the
	// binary itself: a scratch image has no curl or shell.
	i := slices.Index(s.cmd, "--http")
	if i < 0 || i+1 >= len(s.cmd) {
		t.Fatalf("CMD %v does not start the health endpoint (--http ADDR)", s.cmd)
	}
	hc := s.healthcheck
	if len(hc) < 2 || hc[0] != bin || hc[1] != "healthcheck" {
		t.Fatalf("HEALTHCHECK CMD %v, want [%s healthcheck ...]", hc, bin)
	}
	j := slices.Index(hc, "--url")
	if j < 0 || j+1 >= len(hc) {
		t.Fatalf("HEALTHCHECK CMD %v names no --url", hc)
	}
	u, err := url.Parse(hc[j+1])
	if err != nil || u.Host != s.cmd[i+1] || u.Path != "/healthz" {
		t.Errorf("HEALTHCHECK asks %q but run listens on %q", hc[j+1], s.cmd[i+1])
	}
	// The binary in the image is built like a release binary.
	b, _ := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-buildid=", "timetzdata", "ca-certificates.crt"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func TestComposeExample(t *testing.T) {
	b, err := os.ReadFile("docker/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Build struct {
				Context string `yaml:"context"`
			} `yaml:"build"`
			Command []string `yaml:"command"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	svc, ok := c.Services["plexm8"]
	if !ok {
		t.Fatalf("compose.yaml has no plexm8 service: %v", c.Services)
	}
	if _, err := os.Stat(filepath.Join("docker", svc.Build.Context, "Dockerfile")); err != nil {
		t.Errorf("build context %q has no Dockerfile: %v", svc.Build.Context, err)
	}
	if want := readImageSpec(t).cmd; !slices.Equal(svc.Command, want) {
		t.Errorf("compose command %v differs from the image's CMD %v", svc.Command, want)
	}
	if !slices.ContainsFunc(svc.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/data") }) {
		t.Errorf("compose mounts nothing on /data: %v", svc.Volumes)
	}
}

func TestLaunchdPlist(t *testing.T) {
	b, err := os.ReadFile("launchd/plexm8-sync.plist")
	if err != nil {
		t.Fatal(err)
	}
	// A plist dict is a flat <key>/<value> sequence; read it into pairs.
	var doc struct {
		Dict struct {
			Items []struct {
				XMLName xml.Name
				Text    string   `xml:",chardata"`
				Strings []string `xml:"string"`
			} `xml:",any"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("plist is not well-formed XML: %v", err)
	}
	kv := map[string]struct {
		kind    string
		text    string
		strings []string
	}{}
	items := doc.Dict.Items
	for i := 0; i+1 < len(items); i += 2 {
		if items[i].XMLName.Local != "key" {
			t.Fatalf("plist dict item %d is <%s>, want <key>", i, items[i].XMLName.Local)
		}
		v := items[i+1]
		kv[items[i].Text] = struct {
			kind    string
			text    string
			strings []string
		}{v.XMLName.Local, strings.TrimSpace(v.Text), v.Strings}
	}
	if got := kv["Label"].text; got != "plexm8-sync" {
		t.Errorf("Label %q", got)
	}
	args := kv["ProgramArguments"].strings
	if len(args) == 0 || filepath.Base(args[0]) != "plexm8-sync" || args[len(args)-1] != "run" {
		t.Errorf("ProgramArguments %v, want plexm8-sync ... run", args)
	}
	for _, k := range []string{"RunAtLoad", "KeepAlive"} {
		if kv[k].kind != "true" {
			t.Errorf("%s is <%s/>, want <true/>: a daemon starts at boot and comes back", k, kv[k].kind)
		}
	}
}

// TestContainerImage builds the image and runs the binary in it, when a
// Docker daemon answers (a docker CLI without a daemon is not enough).
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image: skipped under -short")
	}
	need(t, "build the container image", "docker")
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("docker CLI present but no daemon answers, so the image cannot be built here: %s", strings.TrimSpace(string(out)))
	}
	tag := make([]byte, 4)
	rand.Read(tag)
	image := "plexm8-sync-test:" + hex.EncodeToString(tag)
	build := exec.Command("docker", "build", "--build-arg", "VERSION=v9.9.9", "--build-arg", "COMMIT="+testCommit, "-t", image, ".")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", image).Run() })

	if v := sh(t, nil, "docker", "run", "--rm", image, "version"); !strings.HasPrefix(v, "plexm8-sync v9.9.9\ncommit "+testCommit) {
		t.Errorf("version in the image:\n%s", v)
	}
	check := sh(t, nil, "docker", "run", "--rm", image, "config", "check")
	if !strings.Contains(check, "state_dir: /data\n") {
		t.Errorf("config check in the image does not use /data:\n%s", check)
	}
	var inspect []struct {
		Config struct {
			User        string
			Healthcheck struct{ Test []string }
		}
	}
	if err := json.Unmarshal([]byte(sh(t, nil, "docker", "image", "inspect", image)), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("docker image inspect: %v", err)
	}
	if inspect[0].Config.User == "" || inspect[0].Config.User == "0" || !slices.Contains(inspect[0].Config.Healthcheck.Test, "healthcheck") {
		t.Errorf("image config: user %q, healthcheck %v", inspect[0].Config.User, inspect[0].Config.Healthcheck.Test)
	}
}
