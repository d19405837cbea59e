package plex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// plex.tv answers are small; anything bigger than this is not plex.tv.
const tvMaxBytes = 32 << 20

// PIN is a sign-in PIN. AuthToken stays zero until the user claims it.
type PIN struct {
	ID        int64
	Code      string
	ExpiresAt time.Time // as plex.tv says, on plex.tv's clock
	// ExpiresIn is the lifetime plex.tv gave the PIN when it answered, 0 if
	// it did not say. Unlike ExpiresAt it needs no agreement between
	// plex.tv's clock and this machine's, so a countdown uses it.
	ExpiresIn time.Duration
	AuthToken secret.Value
}

// User is the account a token belongs to.
type User struct {
	ID                           int64
	UUID, Username, Title, Email string
}

type wirePIN struct {
	ID        OptInt    `json:"id"`
	Code      OptString `json:"code"`
	ExpiresAt OptString `json:"expiresAt"`
	ExpiresIn OptInt    `json:"expiresIn"`
	AuthToken OptString `json:"authToken"`
}

func (c *Client) tv(ctx context.Context, base, method, path string, q url.Values, tok secret.Value, mode retryMode, out any) (*response, error) {
	resp, err := c.do(ctx, fixedEndpoint{url: base, c: c}, &request{
		method: method, path: path, query: q, token: tok, mode: mode, tv: true, limit: min(c.maxBytes, tvMaxBytes),
	})
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return nil, &DecodeError{Method: method, URL: resp.url, Err: err}
		}
	}
	return resp, nil
}

// CreatePIN starts a sign-in: POST {TVURL}/pins?strong=true. Show the user
// AuthURL of the result, then poll CheckPIN about once a second.
func (c *Client) CreatePIN(ctx context.Context) (PIN, error) {
	var w wirePIN
	resp, err := c.tv(ctx, c.tvURL, http.MethodPost, "/pins", url.Values{"strong": {"true"}}, secret.Value{}, retryUnsent, &w)
	if err != nil {
		return PIN{}, fmt.Errorf("create sign-in PIN: %w", err)
	}
	if resp.status != http.StatusCreated && resp.status != http.StatusOK {
		return PIN{}, fmt.Errorf("create sign-in PIN: unexpected status %d", resp.status)
	}
	return c.pinFrom(w, resp)
}

// CheckPIN polls a PIN. Its AuthToken is zero until the user has signed in;
// an expired or unknown PIN is ErrPINExpired.
func (c *Client) CheckPIN(ctx context.Context, id int64) (PIN, error) {
	var w wirePIN
	resp, err := c.tv(ctx, c.tvURL, http.MethodGet, "/pins/"+strconv.FormatInt(id, 10), nil, secret.Value{}, retryIdempotent, &w)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return PIN{}, fmt.Errorf("check sign-in PIN %d: %w (%w)", id, ErrPINExpired, err)
		}
		return PIN{}, fmt.Errorf("check sign-in PIN %d: %w", id, err)
	}
	return c.pinFrom(w, resp)
}

func (c *Client) pinFrom(w wirePIN, resp *response) (PIN, error) {
	if !w.ID.Valid || !w.Code.Valid || w.Code.V == "" {
		return PIN{}, &DecodeError{Method: "PIN", URL: resp.url, Err: errors.New("no id or code in the answer")}
	}
	p := PIN{ID: w.ID.V, Code: w.Code.V}
	if w.ExpiresAt.Valid {
		if t, err := time.Parse(time.RFC3339, w.ExpiresAt.V); err == nil {
			p.ExpiresAt = t
		}
	}
	if w.ExpiresIn.Valid && w.ExpiresIn.V > 0 {
		p.ExpiresIn = time.Duration(w.ExpiresIn.V) * time.Second
	}
	if p.ExpiresAt.IsZero() && p.ExpiresIn > 0 {
		p.ExpiresAt = c.clock.Now().Add(p.ExpiresIn)
	}
	if w.AuthToken.Valid && w.AuthToken.V != "" {
		p.AuthToken = secret.New(w.AuthToken.V)
	}
	return p, nil
}

// AuthURL is the page where the user signs in and approves this client for
// PIN p (the Plex "auth app" URL; parameters go in the fragment).
func (c *Client) AuthURL(p PIN) string {
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	return "https://app.plex.tv/auth#?clientID=" + esc(c.id.ClientID) +
		"&code=" + esc(p.Code) +
		"&context%5Bdevice%5D%5Bproduct%5D=" + esc(c.id.Product)
}

// User returns the account of tok. A rejected token is ErrUnauthorized (sign
// in again); any other failure is transient and says nothing about the
// token (Plex: "error state, does not indicate an invalid token").
func (c *Client) User(ctx context.Context, tok secret.Value) (User, error) {
	var w struct {
		ID       OptInt    `json:"id"`
		UUID     OptString `json:"uuid"`
		Username OptString `json:"username"`
		Title    OptString `json:"title"`
		Email    OptString `json:"email"`
	}
	if _, err := c.tv(ctx, c.tvURL, http.MethodGet, "/user", nil, tok, retryIdempotent, &w); err != nil {
		if errors.Is(err, ErrUnauthorized) || errors.Is(err, context.Canceled) {
			return User{}, fmt.Errorf("check plex.tv account: %w", err)
		}
		return User{}, &transientError{fmt.Errorf("check plex.tv account: %w", err)}
	}
	if !w.ID.Valid {
		return User{}, &transientError{fmt.Errorf("check plex.tv account: answer has no user id")}
	}
	return User{ID: w.ID.V, UUID: w.UUID.V, Username: w.Username.V, Title: w.Title.V, Email: w.Email.V}, nil
}

// Ping keeps tok alive (GET {TVURL}/ping).
func (c *Client) Ping(ctx context.Context, tok secret.Value) error {
	if _, err := c.tv(ctx, c.tvURL, http.MethodGet, "/ping", nil, tok, retryIdempotent, nil); err != nil {
		return fmt.Errorf("ping plex.tv: %w", err)
	}
	return nil
}

// Connection is one way to reach a server, as plex.tv lists it.
type Connection struct {
	Protocol, Address  string
	Port               int
	URI                string
	Local, Relay, IPv6 bool
}

// Resource is a media server the account can use. AccessToken is the token
// for that server (a per-user token on a shared server).
type Resource struct {
	Name, ClientIdentifier, Product, ProductVersion, Platform, SourceTitle string
	Owned, Presence, HTTPSRequired                                         bool
	AccessToken                                                            secret.Value
	Connections                                                            []Connection
}

type wireResource struct {
	Name             OptString        `json:"name"`
	Product          OptString        `json:"product"`
	ProductVersion   OptString        `json:"productVersion"`
	Platform         OptString        `json:"platform"`
	ClientIdentifier OptString        `json:"clientIdentifier"`
	Provides         OptString        `json:"provides"`
	SourceTitle      OptString        `json:"sourceTitle"`
	AccessToken      OptString        `json:"accessToken"`
	Owned            OptBool          `json:"owned"`
	Presence         OptBool          `json:"presence"`
	HTTPSRequired    OptBool          `json:"httpsRequired"`
	Connections      []wireConnection `json:"connections"`
}

type wireConnection struct {
	Protocol OptString `json:"protocol"`
	Address  OptString `json:"address"`
	Port     OptInt    `json:"port"`
	URI      OptString `json:"uri"`
	Local    OptBool   `json:"local"`
	Relay    OptBool   `json:"relay"`
	IPv6     OptBool   `json:"IPv6"`
}

// Resources lists the servers the account can use (devices that only play
// are left out), with every kind of connection: https, relay and IPv6.
func (c *Client) Resources(ctx context.Context, tok secret.Value) ([]Resource, error) {
	q := url.Values{"includeHttps": {"1"}, "includeRelay": {"1"}, "includeIPv6": {"1"}}
	var ws []wireResource
	if _, err := c.tv(ctx, c.clientsURL, http.MethodGet, "/resources", q, tok, retryIdempotent, &ws); err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	return resourcesFrom(ws), nil
}

// resourcesFrom keeps the servers among plex.tv's devices.
func resourcesFrom(ws []wireResource) []Resource {
	var out []Resource
	for _, w := range ws {
		if !provides(w.Provides.V, "server") || w.ClientIdentifier.V == "" {
			continue
		}
		r := Resource{
			Name: w.Name.V, ClientIdentifier: w.ClientIdentifier.V, Product: w.Product.V,
			ProductVersion: w.ProductVersion.V, Platform: w.Platform.V, SourceTitle: w.SourceTitle.V,
			Owned: w.Owned.V, Presence: w.Presence.V, HTTPSRequired: w.HTTPSRequired.V,
			AccessToken: secret.New(w.AccessToken.V),
		}
		for _, wc := range w.Connections {
			r.Connections = append(r.Connections, Connection{
				Protocol: wc.Protocol.V, Address: wc.Address.V, Port: int(wc.Port.V), URI: wc.URI.V,
				Local: wc.Local.V, Relay: wc.Relay.V, IPv6: wc.IPv6.V,
			})
		}
		out = append(out, r)
	}
	return out
}

// provides reports whether the comma-separated list holds role.
func provides(list, role string) bool {
	for p := range strings.SplitSeq(list, ",") {
		if strings.TrimSpace(p) == role {
			return true
		}
	}
	return false
}
