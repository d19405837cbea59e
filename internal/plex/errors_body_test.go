package plex

import (
	"net/http"
	"strings"
	"testing"
)

func TestBodyMessageIsReadable(t *testing.T) {
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"errors":[{"code":1001,"message":"User could not be authenticated","status":401}]}`, 401, "User could not be authenticated (Plex error 1001)"},
		{`{"errors":[{"code":1000,"message":"Bad Request","status":400}]}`, 400, ""},
		{`{"errors":[{"code":1,"message":"a"},{"code":2,"message":"b"}]}`, 400, "a (Plex error 1); b (Plex error 2)"},
		{`{"error":"Invalid token"}`, 422, "Invalid token"},
		{`{"MediaContainer":{"size":0}}`, 500, ""},
		{`[1,2,3]`, 500, ""},
		{`{"errors":[{"code":1001,"mess`, 401, ""}, // cut short: nothing rather than markup
		{`<?xml version="1.0"?><errors><error code="1030" message="Device is not allowed" status="403"/></errors>`, 403, "Device is not allowed (Plex error 1030)"},
		{`<Response code="401" status="Unauthorized"/>`, 401, ""},
		{`<Response code="500" status="Transcoder busy"/>`, 500, "Transcoder busy"},
		{`<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>`, 401, ""},
		{`<html><head><title>Forbidden</title></head><body><h1>Library access denied</h1><p>x</p></body></html>`, 403, "Library access denied"},
		{`<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>`, 502, ""},
		{"down\nmore", 502, "down"},
		{"", 500, ""},
	} {
		got := bodyMessage([]byte(c.body), c.status)
		if got != c.want {
			t.Errorf("bodyMessage(%q, %d) = %q, want %q", c.body, c.status, got, c.want)
		}
		if strings.ContainsAny(got, "{}<>") {
			t.Errorf("bodyMessage(%q) kept markup: %q", c.body, got)
		}
	}
	e := &StatusError{Method: http.MethodGet, URL: "https://plex.tv/api/v2/user", Status: 401, Body: `{"errors":[]}`, Message: "User could not be authenticated (Plex error 1001)"}
	if got, want := e.Error(), "plex: GET https://plex.tv/api/v2/user: 401 Unauthorized: User could not be authenticated (Plex error 1001)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
