package logging

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
)

func TestScrubURL(t *testing.T) {
	tests := map[string]string{
		"http://127.0.0.1:32400/a?X-Plex-Token=abc123&type=8":           "http://127.0.0.1:32400/a?X-Plex-Token=[redacted]&type=8",
		"http://h/a?type=8&x-plex-token=abc123":                         "http://h/a?type=8&x-plex-token=[redacted]",
		"http://h/a?X-PLEX-TOKEN=abc#frag":                              "http://h/a?X-PLEX-TOKEN=[redacted]#frag",
		`Get "http://h/a?X-Plex-Token=abc": EOF`:                        `Get "http://h/a?X-Plex-Token=[redacted]": EOF`,
		"two http://a/?X-Plex-Token=one and http://b/?X-Plex-Token=two": "two http://a/?X-Plex-Token=[redacted] and http://b/?X-Plex-Token=[redacted]",
		"next=%2Fweb%3FX-Plex-Token%3Dabc%26x%3D1":                      "next=%2Fweb%3FX-Plex-Token%3D[redacted]",
		"X-Plex-Token: abc\r\nAccept: */*":                              "X-Plex-Token: [redacted]\r\nAccept: */*",
		`{"authToken":"abc","id":1}`:                                    `{"authToken":"[redacted]","id":1}`,
		`<user authenticationToken="abc" id="1"/>`:                      `<user authenticationToken="[redacted]" id="1"/>`,
		`{"accessToken": "abc"}`:                                        `{"accessToken": "[redacted]"}`,
		"https://user:pw@127.0.0.1/":                                    "https://user:[redacted]@127.0.0.1/",
		"http://127.0.0.1:32400/library/sections?type=8":                "http://127.0.0.1:32400/library/sections?type=8",
		"validate token: plex.tv answered 401; sign in again":           "validate token: plex.tv answered 401; sign in again",
		"mail bob@example.org":                                          "mail bob@example.org",
		"":                                                              "",
	}
	for in, want := range tests {
		got := ScrubURL(in)
		if got != want {
			t.Errorf("ScrubURL(%q)\n got %q\nwant %q", in, got, want)
		}
		if again := ScrubURL(got); again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
}

func TestRedact(t *testing.T) {
	if Redact(nil) != nil {
		t.Error("Redact(nil) should be nil")
	}
	clean := errors.New("connection refused")
	if Redact(clean) != clean {
		t.Error("an error without a token should be returned as is")
	}

	inner := &url.Error{Op: "Get", URL: "http://127.0.0.1/?X-Plex-Token=abc", Err: context.DeadlineExceeded}
	err := fmt.Errorf("list sections: %w", inner)
	r := Redact(err)
	if got, want := r.Error(), `list sections: Get "http://127.0.0.1/?X-Plex-Token=[redacted]": context deadline exceeded`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := fmt.Sprintf("%+v", r); got != r.Error() {
		t.Errorf("%%+v = %q", got)
	}
	if !errors.Is(r, context.DeadlineExceeded) {
		t.Error("Redact broke errors.Is")
	}
	var ue *url.Error
	if !errors.As(r, &ue) || ue != inner {
		t.Error("Redact broke errors.As")
	}
}
