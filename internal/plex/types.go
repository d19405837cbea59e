package plex

import "time"

// Section is a library of a media server (GET /library/sections). Music
// sections have Type "artist".
type Section struct {
	Key      OptString `json:"key"`
	UUID     OptString `json:"uuid"`
	Type     OptString `json:"type"`
	Title    OptString `json:"title"`
	Agent    OptString `json:"agent"`
	Scanner  OptString `json:"scanner"`
	Language OptString `json:"language"`
	// Epoch seconds, except ContentChangedAt: an opaque change counter.
	CreatedAt        OptInt  `json:"createdAt"`
	UpdatedAt        OptInt  `json:"updatedAt"`
	ScannedAt        OptInt  `json:"scannedAt"`
	ContentChangedAt OptInt  `json:"contentChangedAt"`
	Hidden           OptBool `json:"hidden"`
	Refreshing       OptBool `json:"refreshing"`
}

// Guid is an external identifier of an item, e.g. mbid://<uuid>. It is not
// validated: music uses schemes the community spec does not list.
type Guid struct {
	ID string `json:"id"`
}

// Part is one file of a Media.
type Part struct {
	ID        OptInt    `json:"id"`
	Key       OptString `json:"key"`
	File      OptString `json:"file"` // server-side path
	Container OptString `json:"container"`
	Size      OptInt    `json:"size"` // bytes
	Duration  OptInt    `json:"duration"`
}

// Media is one version of a track; it may have several Parts.
type Media struct {
	ID         OptInt    `json:"id"`
	Duration   OptInt    `json:"duration"`
	Bitrate    OptInt    `json:"bitrate"`
	AudioCodec OptString `json:"audioCodec"`
	Container  OptString `json:"container"`
	Part       []Part    `json:"Part"`
}

// Metadata is an artist, album, track, playlist or playlist item, as PMS
// returns them in MediaContainer.Metadata[]. Fields a given type lacks stay
// absent; per-user fields (ViewCount, SkipCount, LastViewedAt, UserRating)
// are absent when unset.
type Metadata struct {
	RatingKey             OptString `json:"ratingKey"`
	Key                   OptString `json:"key"`
	GUID                  OptString `json:"guid"`
	Type                  OptString `json:"type"`
	Title                 OptString `json:"title"`
	TitleSort             OptString `json:"titleSort"`
	OriginalTitle         OptString `json:"originalTitle"`
	Summary               OptString `json:"summary"`
	Thumb                 OptString `json:"thumb"`
	Studio                OptString `json:"studio"`
	OriginallyAvailableAt OptString `json:"originallyAvailableAt"`

	ParentRatingKey      OptString `json:"parentRatingKey"`
	GrandparentRatingKey OptString `json:"grandparentRatingKey"`
	ParentTitle          OptString `json:"parentTitle"`
	GrandparentTitle     OptString `json:"grandparentTitle"`
	ParentGUID           OptString `json:"parentGuid"`
	GrandparentGUID      OptString `json:"grandparentGuid"`

	Index            OptInt `json:"index"`       // track number
	ParentIndex      OptInt `json:"parentIndex"` // disc number
	Year             OptInt `json:"year"`
	ParentYear       OptInt `json:"parentYear"`
	Duration         OptInt `json:"duration"` // ms
	AddedAt          OptInt `json:"addedAt"`
	UpdatedAt        OptInt `json:"updatedAt"`
	LeafCount        OptInt `json:"leafCount"`
	ViewCount        OptInt `json:"viewCount"`
	SkipCount        OptInt `json:"skipCount"`
	LastViewedAt     OptInt `json:"lastViewedAt"`
	LibrarySectionID OptInt `json:"librarySectionID"`

	UserRating OptFloat `json:"userRating"` // 0–10

	Guids []Guid  `json:"Guid"` // nil when absent
	Media []Media `json:"Media"`

	// Playlists and playlist items.
	PlaylistItemID OptInt    `json:"playlistItemID"`
	Smart          OptBool   `json:"smart"`
	ReadOnly       OptBool   `json:"readOnly"`
	PlaylistType   OptString `json:"playlistType"`
	Content        OptString `json:"content"`
	Composite      OptString `json:"composite"`
}

// ServerIdentity is what GET /identity says about a server.
type ServerIdentity struct {
	MachineIdentifier, Version string
	Claimed                    bool
}

// Page is one page of a listing. Offset, Size and TotalSize are what the
// server reported; Items are the items it sent, which a server at odds with
// itself may make more or fewer than Size.
type Page struct {
	Offset, Size, TotalSize int
	Items                   []Metadata
	// Date is the server's clock when it answered (its Date header), the
	// moment the page's stamps are as of; zero when it sent none.
	Date time.Time
}

// Newest is what a newest-first probe of a listing learns (Server.Newest).
type Newest struct {
	TotalSize int
	// UpdatedAt is the largest updatedAt of the listing's items; absent
	// when the listing is empty or its first item carries none.
	UpdatedAt OptInt
	// Date is the server's clock when it answered; zero when it sent none.
	Date time.Time
}
