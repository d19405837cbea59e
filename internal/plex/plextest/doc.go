// Package plextest is a fake of plex.tv and of Plex Media Server (PMS) for
// tests, benchmarks and the demo command.
//
// It is written from the recorded behaviour of the real API (summarised with
// its sources in docs/plex-api.md), not from our
// client, so that a client bug cannot be mirrored by the fake. It serves real
// HTTP on loopback listeners: one for plex.tv (routes under /api/v2) and
// several per PMS server, one per advertised connection, so connection
// choice can be tested. It does not import testing: it is a library used
// outside tests too.
//
// # Servers and connections
//
// Owned() is "Home Server": connections ConnLocalHTTPS (https, local, dead:
// nothing listens), ConnLocal (http, local), ConnRemote (http), ConnRelay
// (https through a TLS listener trusted by RootCAs, relay) and ConnIPv6
// (http on [::1], dead if the machine has no IPv6 loopback). Shared() is
// "Friend's Server" (owned=false, ownerId and sourceTitle set) with
// ConnLocal (local, which a client must skip for a server it does not own)
// and ConnRemote. Every address handed out is loopback.
//
// # Library
//
// Everything generated is a pure function of Options.Seed and the sizes:
// two fakes started with the same options serve the same bytes. The owned
// server has section "1" (music, Options.Tracks tracks, about 10 per album,
// 1–8 albums per artist), "2" (a few movies), "3" (empty music) and "4"
// (music, Options.SecondTracks tracks); the shared server has section "1"
// (music, Options.SharedTracks tracks). Both servers number their items from
// the same start, as real servers do, so many rating keys name an item on
// both. Playlists: a long one (min(Tracks, 2500) items), one with a track
// twice, a smart one (title contains "a"), an empty one, a video one, one
// spanning sections 1 and 4, and ordinary ones; one on the shared server.
// The exported model types are the truth a test compares a mirror with.
//
// # Clock
//
// Stamps are whole epoch seconds from the fake's clock, which PMS answers
// also send as their Date header. By default it is a fixed base advanced one
// second per mutation; with Options.SharedSecond mutations share the second
// of the read before them until Fake.Advance moves it; Options.Now injects
// any clock (the demo uses the wall clock).
//
// # Behaviour where the sources are silent
//
//   - Listings are ordered by titleSort (ASCII case-insensitive), then rating
//     key; sort= accepts titleSort, addedAt, updatedAt and ratingKey, each
//     with :desc; anything else falls back to the default.
//   - Filters: title= (contains, case-insensitive), addedAt and lastViewedAt
//     with =, !=, >>= (strictly after) and <<= (strictly before), values in
//     epoch seconds or relative (-30d). updatedAt is not a documented filter
//     field and is ignored, like every unknown parameter.
//   - Only /library/sections/{key}/all insists on X-Plex-Container-Size;
//     other lists return everything when it is absent.
//   - Zero-valued playlist fields are omitted: an empty playlist has no
//     leafCount, duration or composite.
//   - Per-user edits (view count, rating, last viewed) move no updatedAt and
//     no section signal. With Options.SectionStampsIgnoreEdits metadata
//     edits move no section signal either (unverified either way). Renaming an artist or album changes the derived
//     titles of its children without moving their updatedAt.
//   - A PMS scan would delete an album left without tracks and an artist
//     left without albums: so does RemoveTrack/RemoveAlbum.
//   - Items of smart playlists have no playlistItemID. /playlists with a type
//     other than 15 (playlists) matches nothing.
package plextest
