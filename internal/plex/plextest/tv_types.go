package plextest

import "encoding/xml"

// plex.tv v2 bodies: bare JSON objects and arrays (no MediaContainer),
// field names as docs/plex-api.md records them ("Sign-in with a PIN",
// "Checking a token", "Servers and connections"). The xml tags give the XML
// plex.tv answers when JSON was not asked for.

type tvError struct {
	Code    int    `json:"code" xml:"code,attr"`
	Message string `json:"message" xml:"message,attr"`
	Status  int    `json:"status" xml:"status,attr"`
}

type tvErrors struct {
	XMLName xml.Name  `json:"-" xml:"errors"`
	Errors  []tvError `json:"errors" xml:"error"`
}

type tvLocation struct {
	Code                       string `json:"code" xml:"code,attr"`
	EuropeanUnionMember        bool   `json:"european_union_member" xml:"european_union_member,attr"`
	ContinentCode              string `json:"continent_code" xml:"continent_code,attr"`
	Country                    string `json:"country" xml:"country,attr"`
	City                       string `json:"city" xml:"city,attr"`
	TimeZone                   string `json:"time_zone" xml:"time_zone,attr"`
	PostalCode                 string `json:"postal_code" xml:"postal_code,attr"`
	InPrivacyRestrictedCountry bool   `json:"in_privacy_restricted_country" xml:"in_privacy_restricted_country,attr"`
	Subdivisions               string `json:"subdivisions" xml:"subdivisions,attr"`
	Coordinates                string `json:"coordinates" xml:"coordinates,attr"`
}

type tvPin struct {
	XMLName          xml.Name   `json:"-" xml:"pin"`
	ID               int64      `json:"id" xml:"id,attr"`
	Code             string     `json:"code" xml:"code,attr"`
	Product          string     `json:"product" xml:"product,attr"`
	Trusted          bool       `json:"trusted" xml:"trusted,attr"`
	QR               string     `json:"qr" xml:"qr,attr"`
	ClientIdentifier string     `json:"clientIdentifier" xml:"clientIdentifier,attr"`
	Location         tvLocation `json:"location" xml:"location"`
	ExpiresIn        int64      `json:"expiresIn" xml:"expiresIn,attr"`
	CreatedAt        string     `json:"createdAt" xml:"createdAt,attr"`
	ExpiresAt        string     `json:"expiresAt" xml:"expiresAt,attr"`
	AuthToken        *string    `json:"authToken" xml:"authToken,attr,omitempty"`
	NewRegistration  *bool      `json:"newRegistration" xml:"newRegistration,attr,omitempty"`
}

type tvSubscription struct {
	Active   bool     `json:"active" xml:"active,attr"`
	Status   string   `json:"status" xml:"status,attr"`
	Plan     string   `json:"plan" xml:"plan,attr"`
	Features []string `json:"features" xml:"feature"`
}

type tvProfile struct {
	AutoSelectAudio              bool   `json:"autoSelectAudio" xml:"autoSelectAudio,attr"`
	DefaultAudioLanguage         string `json:"defaultAudioLanguage" xml:"defaultAudioLanguage,attr"`
	DefaultSubtitleLanguage      string `json:"defaultSubtitleLanguage" xml:"defaultSubtitleLanguage,attr"`
	AutoSelectSubtitle           int    `json:"autoSelectSubtitle" xml:"autoSelectSubtitle,attr"`
	DefaultSubtitleAccessibility int    `json:"defaultSubtitleAccessibility" xml:"defaultSubtitleAccessibility,attr"`
	DefaultSubtitleForced        int    `json:"defaultSubtitleForced" xml:"defaultSubtitleForced,attr"`
}

type tvUser struct {
	XMLName           xml.Name       `json:"-" xml:"user"`
	ID                int64          `json:"id" xml:"id,attr"`
	UUID              string         `json:"uuid" xml:"uuid,attr"`
	Username          string         `json:"username" xml:"username,attr"`
	Title             string         `json:"title" xml:"title,attr"`
	Email             string         `json:"email" xml:"email,attr"`
	FriendlyName      string         `json:"friendlyName" xml:"friendlyName,attr"`
	Locale            *string        `json:"locale" xml:"locale,attr,omitempty"`
	Confirmed         bool           `json:"confirmed" xml:"confirmed,attr"`
	JoinedAt          int64          `json:"joinedAt" xml:"joinedAt,attr"`
	EmailOnlyAuth     bool           `json:"emailOnlyAuth" xml:"emailOnlyAuth,attr"`
	HasPassword       bool           `json:"hasPassword" xml:"hasPassword,attr"`
	Protected         bool           `json:"protected" xml:"protected,attr"`
	Thumb             string         `json:"thumb" xml:"thumb,attr"`
	AuthToken         string         `json:"authToken" xml:"authToken,attr"`
	MailingListActive bool           `json:"mailingListActive" xml:"mailingListActive,attr"`
	ScrobbleTypes     string         `json:"scrobbleTypes" xml:"scrobbleTypes,attr"`
	Country           string         `json:"country" xml:"country,attr"`
	Subscription      tvSubscription `json:"subscription" xml:"subscription"`
	Restricted        bool           `json:"restricted" xml:"restricted,attr"`
	Anonymous         bool           `json:"anonymous" xml:"anonymous,attr"`
	Home              bool           `json:"home" xml:"home,attr"`
	Guest             bool           `json:"guest" xml:"guest,attr"`
	HomeSize          int            `json:"homeSize" xml:"homeSize,attr"`
	HomeAdmin         bool           `json:"homeAdmin" xml:"homeAdmin,attr"`
	MaxHomeSize       int            `json:"maxHomeSize" xml:"maxHomeSize,attr"`
	TwoFactorEnabled  bool           `json:"twoFactorEnabled" xml:"twoFactorEnabled,attr"`
	Profile           tvProfile      `json:"profile" xml:"profile"`
	Entitlements      []string       `json:"entitlements" xml:"entitlement"`
	Roles             []string       `json:"roles" xml:"role"`
	Services          []string       `json:"services" xml:"service"`
}

type tvConnection struct {
	Protocol string `json:"protocol" xml:"protocol,attr"`
	Address  string `json:"address" xml:"address,attr"`
	Port     int    `json:"port" xml:"port,attr"`
	URI      string `json:"uri" xml:"uri,attr"`
	Local    bool   `json:"local" xml:"local,attr"`
	Relay    bool   `json:"relay" xml:"relay,attr"`
	IPv6     bool   `json:"IPv6" xml:"IPv6,attr"`
}

type tvResource struct {
	Name                   string         `json:"name" xml:"name,attr"`
	Product                string         `json:"product" xml:"product,attr"`
	ProductVersion         string         `json:"productVersion" xml:"productVersion,attr"`
	Platform               string         `json:"platform" xml:"platform,attr"`
	PlatformVersion        string         `json:"platformVersion" xml:"platformVersion,attr"`
	Device                 string         `json:"device" xml:"device,attr"`
	ClientIdentifier       string         `json:"clientIdentifier" xml:"clientIdentifier,attr"`
	CreatedAt              string         `json:"createdAt" xml:"createdAt,attr"`
	LastSeenAt             string         `json:"lastSeenAt" xml:"lastSeenAt,attr"`
	Provides               string         `json:"provides" xml:"provides,attr"`
	OwnerID                *int64         `json:"ownerId" xml:"ownerId,attr,omitempty"`
	SourceTitle            *string        `json:"sourceTitle" xml:"sourceTitle,attr,omitempty"`
	PublicAddress          string         `json:"publicAddress" xml:"publicAddress,attr"`
	AccessToken            string         `json:"accessToken" xml:"accessToken,attr"`
	Owned                  bool           `json:"owned" xml:"owned,attr"`
	Home                   bool           `json:"home" xml:"home,attr"`
	Synced                 bool           `json:"synced" xml:"synced,attr"`
	Relay                  bool           `json:"relay" xml:"relay,attr"`
	Presence               bool           `json:"presence" xml:"presence,attr"`
	HTTPSRequired          bool           `json:"httpsRequired" xml:"httpsRequired,attr"`
	PublicAddressMatches   bool           `json:"publicAddressMatches" xml:"publicAddressMatches,attr"`
	DNSRebindingProtection bool           `json:"dnsRebindingProtection" xml:"dnsRebindingProtection,attr"`
	NatLoopbackSupported   bool           `json:"natLoopbackSupported" xml:"natLoopbackSupported,attr"`
	Connections            []tvConnection `json:"connections" xml:"connections>connection"`
}

type tvResources struct {
	XMLName   xml.Name     `xml:"resources"`
	Resources []tvResource `xml:"resource"`
}
