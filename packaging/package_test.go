package packaging

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// Fixed inputs: with them two builds must give the same bytes.
const (
	testCommit = "0123456789abcdef0123456789abcdef01234567"
	testEpoch  = "1767225600" // 2026-01-01T00:00:00Z
	loginHint  = "sudo -u plexm8 plexm8-sync --config /etc/plexm8/config.yaml login"
)

// repoRoot is where the Makefile is; tests run in packaging/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatalf("no Makefile in %s: %v", root, err)
	}
	return root
}

// pkgArch is the package architecture whose binary runs on this machine.
func pkgArch(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("packages are built for linux/amd64 and linux/arm64; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	return runtime.GOARCH
}

// makePackage runs the real `make package` for this machine's architecture
// into dist and returns the paths of the .deb and the .rpm.
func makePackage(t *testing.T, dist, version string) (deb, rpm string) {
	t.Helper()
	arch := pkgArch(t)
	cmd := exec.Command("make", "--no-print-directory", "package",
		"DIST="+dist, "VERSION="+version, "COMMIT="+testCommit,
		"SOURCE_DATE_EPOCH="+testEpoch, "PKG_ARCHES="+arch)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	v := strings.TrimPrefix(version, "v")
	rpmArch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
	deb = filepath.Join(dist, fmt.Sprintf("plexm8-sync_%s-1_%s.deb", v, arch))
	rpm = filepath.Join(dist, fmt.Sprintf("plexm8-sync-%s-1.%s.rpm", v, rpmArch))
	for _, p := range []string{deb, rpm} {
		if _, err := os.Stat(p); err != nil {
			entries, _ := os.ReadDir(dist)
			t.Fatalf("make package did not write %s (dist holds %v)", p, entries)
		}
	}
	return deb, rpm
}

func sh(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

type debFile struct {
	hdr  *tar.Header
	data []byte
}

// debContents reads the data archive of a .deb through dpkg-deb.
func debContents(t *testing.T, deb string) map[string]debFile {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "--fsys-tarfile", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --fsys-tarfile: %v", err)
	}
	files := map[string]debFile{}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read data archive: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(strings.TrimPrefix(h.Name, "."), "/")] = debFile{h, data}
	}
	return files
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestPackages builds the .deb and .rpm with `make package` and checks them,
// installs the .deb into a throwaway root, upgrades and purges it, and
// builds again to check that the bytes do not change.
func TestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and nfpm: skipped under -short")
	}
	need(t, "build the packages", "make", "go")
	need(t, "inspect the .deb", "dpkg-deb")

	dist := t.TempDir()
	deb, rpm := makePackage(t, dist, "v1.2.3")

	t.Run("deb metadata", func(t *testing.T) {
		fields := sh(t, nil, "dpkg-deb", "--field", deb, "Package", "Version", "Architecture")
		for _, want := range []string{"Package: plexm8-sync", "Version: 1.2.3-1", "Architecture: " + runtime.GOARCH} {
			if !strings.Contains(fields, want) {
				t.Errorf("control fields lack %q:\n%s", want, fields)
			}
		}
	})

	t.Run("deb files", func(t *testing.T) { checkDebFiles(t, deb) })
	t.Run("deb maintainer scripts", func(t *testing.T) { checkDebControl(t, deb) })
	t.Run("rpm", func(t *testing.T) { checkRPM(t, rpm) })
	t.Run("installed unit verifies", func(t *testing.T) {
		need(t, "check the unit", "systemd-analyze")
		// The packaged unit, with ExecStart pointing at the packaged binary.
		root := t.TempDir()
		sh(t, nil, "dpkg-deb", "--extract", deb, root)
		unit, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/system/plexm8-sync.service"))
		if err != nil {
			t.Fatal(err)
		}
		if out := verifyUnit(t, testUnitFile(t, string(unit), filepath.Join(root, "usr/bin/plexm8-sync"))); out != "" {
			t.Errorf("systemd-analyze verify:\n%s", out)
		}
	})
	t.Run("commands the unit and the image run", func(t *testing.T) {
		root := t.TempDir()
		sh(t, nil, "dpkg-deb", "--extract", deb, root)
		bin := filepath.Join(root, "usr/bin/plexm8-sync")
		// The Dockerfile's HEALTHCHECK.
		sh(t, nil, bin, "healthcheck", "--help")
		// The unit's ExecStart and the image's CMD: `run` with --config
		// and --http.
		out, err := exec.Command(bin, "run", "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "-http") {
			t.Errorf("run --help (%v) does not offer --http, which the image's CMD uses:\n%s", err, out)
		}
	})
	t.Run("install into a throwaway root", func(t *testing.T) { checkInstall(t, deb) })

	t.Run("reproducible", func(t *testing.T) {
		// A second build of the same inputs into another directory. It
		// shares the Go build cache, so this proves the link and packaging
		// steps; `make reproducible` also recompiles from an empty cache.
		deb2, rpm2 := makePackage(t, t.TempDir(), "v1.2.3")
		for _, pair := range [][2]string{{deb, deb2}, {rpm, rpm2}} {
			if a, b := sha256File(t, pair[0]), sha256File(t, pair[1]); a != b {
				t.Errorf("%s differs between two builds: %s vs %s", filepath.Base(pair[0]), a, b)
			}
		}
	})
}

func checkDebFiles(t *testing.T, deb string) {
	files := debContents(t, deb)
	for _, w := range []struct {
		path         string
		mode         fs.FileMode
		owner, group string
	}{
		{"/usr/bin/plexm8-sync", 0o755, "root", "root"},
		{"/etc/plexm8/config.yaml", 0o640, "root", "plexm8"},
		{"/etc/plexm8", 0o755, "root", "root"},
		{"/usr/lib/systemd/system/plexm8-sync.service", 0o644, "root", "root"},
		{"/usr/share/doc/plexm8-sync/README.md", 0o644, "root", "root"},
		{"/usr/share/doc/plexm8-sync/docs/guide.md", 0o644, "root", "root"},
	} {
		f, ok := files[w.path]
		if !ok {
			t.Errorf("the .deb has no %s", w.path)
			continue
		}
		if got := fs.FileMode(f.hdr.Mode).Perm(); got != w.mode || f.hdr.Uname != w.owner || f.hdr.Gname != w.group {
			t.Errorf("%s: %v %s:%s, want %v %s:%s", w.path, got, f.hdr.Uname, f.hdr.Gname, w.mode, w.owner, w.group)
		}
		if f.hdr.ModTime.Unix() != 1767225600 {
			t.Errorf("%s: mtime %v, want SOURCE_DATE_EPOCH", w.path, f.hdr.ModTime)
		}
	}
	if string(files["/usr/lib/systemd/system/plexm8-sync.service"].data) != SystemdUnit {
		t.Error("the packaged unit differs from packaging.SystemdUnit, which `service install` writes")
	}
	for p := range files {
		if strings.HasPrefix(p, "/var/lib/plexm8") {
			t.Errorf("the .deb ships %s: the state directory must not belong to the package, or purge would try to delete it", p)
		}
	}
	checkPackagedConfig(t, string(files["/etc/plexm8/config.yaml"].data))
}

// checkPackagedConfig: config.example.yaml, changed only in state_dir.
func checkPackagedConfig(t *testing.T, got string) {
	t.Helper()
	example, err := os.ReadFile(filepath.Join(repoRoot(t), "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "\nstate_dir: /var/lib/plexm8\n") {
		t.Errorf("the packaged config does not set state_dir: /var/lib/plexm8:\n%s", got)
	}
	var kept []string
	for _, l := range strings.Split(got, "\n") {
		if l == "state_dir: /var/lib/plexm8" || strings.HasPrefix(l, "# Set by the package") || l == "# must use the same directory." {
			continue
		}
		kept = append(kept, l)
	}
	var want []string
	for _, l := range strings.Split(string(example), "\n") {
		if !strings.HasPrefix(l, "#state_dir: ") {
			want = append(want, l)
		}
	}
	if strings.Join(kept, "\n") != strings.Join(want, "\n") {
		t.Error("the packaged config differs from config.example.yaml in more than state_dir")
	}
}

func checkDebControl(t *testing.T, deb string) {
	ctl := t.TempDir()
	sh(t, nil, "dpkg-deb", "--control", deb, ctl)
	conffiles, err := os.ReadFile(filepath.Join(ctl, "conffiles"))
	if err != nil || strings.TrimSpace(string(conffiles)) != "/etc/plexm8/config.yaml" {
		t.Errorf("conffiles = %q (%v), want /etc/plexm8/config.yaml", conffiles, err)
	}
	root := repoRoot(t)
	for deb, src := range map[string]string{"preinst": "preinstall.sh", "postinst": "postinstall.sh", "prerm": "preremove.sh", "postrm": "postremove.sh"} {
		got, err := os.Stat(filepath.Join(ctl, deb))
		if err != nil {
			t.Errorf("no %s in the .deb: %v", deb, err)
			continue
		}
		if got.Mode().Perm() != 0o755 {
			t.Errorf("%s mode %v, want 0755", deb, got.Mode().Perm())
		}
		a, _ := os.ReadFile(filepath.Join(ctl, deb))
		b, _ := os.ReadFile(filepath.Join(root, "packaging/scripts", src))
		if !bytes.Equal(a, b) {
			t.Errorf("%s is not packaging/scripts/%s", deb, src)
		}
		if err := exec.Command("sh", "-n", filepath.Join(ctl, deb)).Run(); err != nil {
			t.Errorf("%s: sh -n: %v", deb, err)
		}
	}
	post, _ := os.ReadFile(filepath.Join(ctl, "postinst"))
	if !strings.Contains(string(post), loginHint) {
		t.Errorf("postinst does not tell how to sign in (%q)", loginHint)
	}
	// The postinst may reload systemd and restart a running service on
	// upgrade, nothing else: it must not start or enable it before sign-in.
	for _, verb := range systemctlVerbs(string(post)) {
		if verb != "daemon-reload" && verb != "try-restart" {
			t.Errorf("postinst runs systemctl %s; it must not start the service before sign-in", verb)
		}
	}
}

// systemctlVerbs lists the systemctl subcommands a script runs, outside
// its here-documents (which are text for the user).
func systemctlVerbs(script string) []string {
	var verbs []string
	inDoc, end := false, ""
	for _, l := range strings.Split(script, "\n") {
		trim := strings.TrimSpace(l)
		if inDoc {
			inDoc = trim != end
			continue
		}
		if i := strings.Index(l, "<<"); i >= 0 {
			inDoc, end = true, strings.Trim(strings.Fields(l[i+2:])[0], `"'-`)
		}
		if strings.HasPrefix(trim, "#") {
			continue
		}
		f := strings.Fields(l)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "systemctl" {
				verbs = append(verbs, f[i+1])
			}
		}
	}
	return verbs
}

func TestSystemctlVerbs(t *testing.T) {
	script := "systemctl daemon-reload\n  [ x ] || systemctl try-restart u\ncat <<MSG\n  sudo systemctl enable --now u\nMSG\n# systemctl stop u\nsystemctl start u\n"
	got := strings.Join(systemctlVerbs(script), " ")
	if got != "daemon-reload try-restart start" {
		t.Errorf("systemctlVerbs = %q", got)
	}
}

func checkRPM(t *testing.T, rpm string) {
	b, err := os.ReadFile(rpm)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 4 || !bytes.Equal(b[:4], []byte{0xed, 0xab, 0xee, 0xdb}) {
		t.Fatalf("%s is not an rpm (no lead magic)", rpm)
	}
	need(t, "inspect the .rpm beyond its magic number (apt-get install rpm)", "rpm")
	files := sh(t, nil, "rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags}\n]", rpm)
	for _, want := range []string{
		"/usr/bin/plexm8-sync -rwxr-xr-x root:root \n",
		"/etc/plexm8/config.yaml -rw-r----- root:plexm8 cn\n", // %config(noreplace)
		"/usr/lib/systemd/system/plexm8-sync.service -rw-r--r-- root:root \n",
	} {
		if !strings.Contains(files, want) {
			t.Errorf("rpm file list lacks %q:\n%s", want, files)
		}
	}
	scripts := sh(t, nil, "rpm", "-qp", "--scripts", rpm)
	for _, want := range []string{"preinstall scriptlet", "postinstall scriptlet", "preuninstall scriptlet", "postuninstall scriptlet", "useradd --system", loginHint} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm scripts lack %q", want)
		}
	}
	if info := sh(t, nil, "rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{BUILDHOST}", rpm); info != "plexm8-sync 1.2.3 1 plexm8-build" {
		t.Errorf("rpm header: %q", info)
	}
}

// dpkgRoot is a throwaway root for `dpkg --root`: an empty dpkg database and
// the account files useradd --prefix edits. The maintainer scripts run
// on the host with DPKG_ROOT set (--force-script-chrootless).
type dpkgRoot string

func newDpkgRoot(t *testing.T) dpkgRoot {
	t.Helper()
	r := t.TempDir()
	for _, d := range []string{"etc", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(r, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		"var/lib/dpkg/status":    "",
		"var/lib/dpkg/available": "",
		"etc/passwd":             "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":              "root:x:0:\n",
		"etc/shadow":             "root:*:20000:0:99999:7:::\n",
		"etc/gshadow":            "root:*::\n",
	} {
		if err := os.WriteFile(filepath.Join(r, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dpkgRoot(r)
}

func (r dpkgRoot) path(p string) string { return filepath.Join(string(r), p) }

func (r dpkgRoot) dpkg(t *testing.T, args ...string) string {
	t.Helper()
	return sh(t, []string{"DEBIAN_FRONTEND=noninteractive"}, "dpkg",
		append([]string{"--root=" + string(r), "--force-script-chrootless", "--force-confold"}, args...)...)
}

// id returns the numeric id of name in the root's passwd or group file.
func (r dpkgRoot) id(t *testing.T, file, name string) (int, string) {
	t.Helper()
	b, err := os.ReadFile(r.path("etc/" + file))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ":")
		if len(f) >= 3 && f[0] == name {
			var id int
			fmt.Sscan(f[2], &id)
			return id, l
		}
	}
	t.Fatalf("no %s in the root's /etc/%s:\n%s", name, file, b)
	return 0, ""
}

func statOwner(t *testing.T, path string) (fs.FileMode, int, int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fi.Mode(), int(st.Uid), int(st.Gid)
}

func checkInstall(t *testing.T, deb string) {
	need(t, "install the .deb into a throwaway root", "dpkg", "useradd", "groupadd")
	if os.Geteuid() != 0 {
		t.Skip("installing into a throwaway root needs root: dpkg sets owners and useradd --prefix edits the root's account files")
	}
	r := newDpkgRoot(t)
	out := r.dpkg(t, "--install", deb)
	if !strings.Contains(out, loginHint) {
		t.Errorf("install does not say how to sign in:\n%s", out)
	}

	uid, entry := r.id(t, "passwd", "plexm8")
	gid, _ := r.id(t, "group", "plexm8")
	if !strings.HasSuffix(entry, ":/var/lib/plexm8:/usr/sbin/nologin") && !strings.HasSuffix(entry, ":/var/lib/plexm8:/sbin/nologin") {
		t.Errorf("plexm8 user: %q, want home /var/lib/plexm8 and no login shell", entry)
	}
	if uid == 0 || uid >= 1000 {
		t.Errorf("plexm8 has uid %d, want a system uid", uid)
	}
	if mode, u, g := statOwner(t, r.path("var/lib/plexm8")); !mode.IsDir() || mode.Perm() != 0o700 || u != uid || g != gid {
		t.Errorf("/var/lib/plexm8: %v %d:%d, want a 0700 directory owned by plexm8 (%d:%d)", mode, u, g, uid, gid)
	}
	if mode, u, g := statOwner(t, r.path("etc/plexm8/config.yaml")); mode.Perm() != 0o640 || u != 0 || g != gid {
		t.Errorf("/etc/plexm8/config.yaml: %v %d:%d, want 0640 root:plexm8 (0:%d)", mode, u, g, gid)
	}

	bin := r.path("usr/bin/plexm8-sync")
	if v := sh(t, nil, bin, "version"); !strings.HasPrefix(v, "plexm8-sync v1.2.3\ncommit "+testCommit+"\n") {
		t.Errorf("version:\n%s", v)
	}

	// config check as the service user, the way the postinst message says
	// (sudo -u plexm8 gives HOME=/var/lib/plexm8): it must read the 0640
	// config and land on the directory the service's StateDirectory= is.
	reachable(t, string(r))
	cmd := exec.Command(bin, "--config", r.path("etc/plexm8/config.yaml"), "config", "check")
	cmd.Env = []string{"HOME=/var/lib/plexm8", "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	check, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("config check as plexm8: %v\n%s", err, check)
	}
	for _, want := range []string{"state_dir: /var/lib/plexm8\n", "path: /var/lib/plexm8/plexm8.db\n"} {
		if !strings.Contains(string(check), want) {
			t.Errorf("config check as plexm8 lacks %q:\n%s", want, check)
		}
	}

	// An upgrade keeps the administrator's config (content and mode), the
	// data and the user, and brings the new binary.
	conf := r.path("etc/plexm8/config.yaml")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "# edited by the administrator")
	f.Close()
	if err := os.Chmod(conf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.path("var/lib/plexm8/plexm8.db"), []byte("the mirror"), 0o600); err != nil {
		t.Fatal(err)
	}
	deb2, _ := makePackage(t, t.TempDir(), "v1.2.4")
	r.dpkg(t, "--install", deb2)
	if v := sh(t, nil, bin, "version"); !strings.HasPrefix(v, "plexm8-sync v1.2.4\n") {
		t.Errorf("after the upgrade, version:\n%s", v)
	}
	if b, _ := os.ReadFile(conf); !strings.Contains(string(b), "# edited by the administrator") {
		t.Error("the upgrade overwrote the edited /etc/plexm8/config.yaml")
	}
	if mode, _, _ := statOwner(t, conf); mode.Perm() != 0o600 {
		t.Errorf("the upgrade changed the config's mode to %v; the administrator chose 0600", mode.Perm())
	}
	if uid2, _ := r.id(t, "passwd", "plexm8"); uid2 != uid {
		t.Errorf("the upgrade changed plexm8's uid from %d to %d", uid, uid2)
	}

	// Remove keeps config and data; purge removes the config and still
	// keeps the data, saying where it is.
	out = r.dpkg(t, "--remove", "plexm8-sync")
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Errorf("remove left the binary: %v", err)
	}
	if _, err := os.Stat(conf); err != nil {
		t.Errorf("remove deleted the config: %v", err)
	}
	if !strings.Contains(out, "/var/lib/plexm8") {
		t.Errorf("remove does not say where the data is:\n%s", out)
	}
	out = r.dpkg(t, "--purge", "plexm8-sync")
	if _, err := os.Stat(r.path("etc/plexm8")); !os.IsNotExist(err) {
		t.Errorf("purge left /etc/plexm8: %v", err)
	}
	if b, err := os.ReadFile(r.path("var/lib/plexm8/plexm8.db")); err != nil || string(b) != "the mirror" {
		t.Errorf("purge touched the database: %q, %v", b, err)
	}
	if !strings.Contains(out, "rm -rf /var/lib/plexm8") {
		t.Errorf("purge does not say where the data is and how to delete it:\n%s", out)
	}
}

// reachable lets other users traverse dir: it opens the test's own temp
// directories (0700) and checks that the ones above them already are open.
func reachable(t *testing.T, dir string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for p := dir; p != filepath.Dir(p); p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 != 0 {
			continue
		}
		if p == tmp || !strings.HasPrefix(p, tmp+string(filepath.Separator)) {
			t.Skipf("%s is closed to other users, so the plexm8 user cannot reach the throwaway root; set TMPDIR to an open directory", p)
		}
		if err := os.Chmod(p, fi.Mode().Perm()|0o005); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMaintainerScriptsRPMStyle runs the scripts the way rpm calls them
// ($1 is a count: 1 install, 2 upgrade, 0 erase), inside a throwaway root;
// the .deb install test covers dpkg's arguments.
func TestMaintainerScriptsRPMStyle(t *testing.T) {
	need(t, "run the maintainer scripts against a throwaway root", "sh", "useradd", "groupadd")
	if os.Geteuid() != 0 {
		t.Skip("useradd --prefix and chown need root")
	}
	r := newDpkgRoot(t)
	scripts := filepath.Join(repoRoot(t), "packaging", "scripts")
	run := func(script, arg string) string {
		t.Helper()
		return sh(t, []string{"DPKG_ROOT=" + string(r)}, "sh", filepath.Join(scripts, script), arg)
	}
	conf := r.path("etc/plexm8/config.yaml")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	// As rpm lays it down when it cannot resolve the group name.
	if err := os.WriteFile(conf, []byte("# config\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	run("preinstall.sh", "1")
	uid, _ := r.id(t, "passwd", "plexm8")
	gid, _ := r.id(t, "group", "plexm8")
	if out := run("postinstall.sh", "1"); !strings.Contains(out, loginHint) {
		t.Errorf("first install does not say how to sign in:\n%s", out)
	}
	if mode, u, g := statOwner(t, conf); mode.Perm() != 0o640 || u != 0 || g != gid {
		t.Errorf("after first install the config is %v %d:%d, want 0640 0:%d", mode.Perm(), u, g, gid)
	}
	if mode, u, g := statOwner(t, r.path("var/lib/plexm8")); mode.Perm() != 0o700 || u != uid || g != gid {
		t.Errorf("/var/lib/plexm8 is %v %d:%d, want 0700 %d:%d", mode.Perm(), u, g, uid, gid)
	}

	// Upgrade: the user is not added twice, a chosen mode stays, and once
	// signed in the sign-in text is not repeated.
	if err := os.Chmod(conf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.path("var/lib/plexm8/credentials.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	run("preinstall.sh", "2")
	if out := run("postinstall.sh", "2"); strings.Contains(out, "login") {
		t.Errorf("an upgrade after sign-in still asks to sign in:\n%s", out)
	}
	if passwd, _ := os.ReadFile(r.path("etc/passwd")); strings.Count(string(passwd), "\nplexm8:") != 1 {
		t.Errorf("passwd after the upgrade:\n%s", passwd)
	}
	if mode, _, _ := statOwner(t, conf); mode.Perm() != 0o600 {
		t.Errorf("the upgrade changed the config's mode to %v", mode.Perm())
	}
	// The old package's scripts during an upgrade say nothing.
	if out := run("preremove.sh", "1") + run("postremove.sh", "1"); out != "" {
		t.Errorf("upgrade-time remove scripts printed:\n%s", out)
	}

	out := run("preremove.sh", "0") + run("postremove.sh", "0")
	if !strings.Contains(out, "rpmsave") || !strings.Contains(out, "sudo rm -rf /var/lib/plexm8") {
		t.Errorf("erase does not say what is kept and how to delete it:\n%s", out)
	}
	if _, err := os.Stat(r.path("var/lib/plexm8/credentials.json")); err != nil {
		t.Errorf("erase touched the state directory: %v", err)
	}
}
