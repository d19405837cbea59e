package plex

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// trackPageJSON builds a page of n tracks shaped like a real PMS answer
// (about 1.3 KB per track, with the fields PMS sends that we ignore).
func trackPageJSON(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"MediaContainer":{"size":%d,"totalSize":%d,"offset":0,"allowSync":true,`+
		`"identifier":"com.plexapp.plugins.library","librarySectionID":3,"librarySectionTitle":"Music",`+
		`"librarySectionUUID":"b2804406-701f-46d3-a7f4-1e1fd3a3de66","mediaTagPrefix":"/system/bundle/media/flags/",`+
		`"mediaTagVersion":1758205129,"Metadata":[`, n, n*20)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		rk, album, artist := 684925+i, 600000+i/10, 500000+i/80
		fmt.Fprintf(&b, `{"ratingKey":"%d","key":"/library/metadata/%d","type":"track",`+
			`"parentRatingKey":"%d","grandparentRatingKey":"%d",`+
			`"guid":"plex://track/5d07ce55403c6402900%05d","parentGuid":"plex://album/5d07c241403c640290%06d",`+
			`"grandparentGuid":"plex://artist/5d07bc08403c640290%06d",`+
			`"title":"Track number %d of the album","titleSort":"Track number %d of the album",`+
			`"parentTitle":"The Album Called %d","grandparentTitle":"Artist Name %d",`+
			`"parentKey":"/library/metadata/%d","grandparentKey":"/library/metadata/%d",`+
			`"index":%d,"parentIndex":1,"parentYear":1989,"duration":%d,"addedAt":1723508508,"updatedAt":1768251359,`+
			`"userRating":8.0,"lastRatedAt":1730000000,"viewCount":%d,"skipCount":0,"lastViewedAt":1731000000,`+
			`"ratingCount":316,"musicAnalysisVersion":"1","librarySectionID":3,`+
			`"thumb":"/library/metadata/%d/thumb/1768251359","grandparentThumb":"/library/metadata/%d/thumb/1768251359",`+
			`"Guid":[{"id":"mbid://02c22765-7484-4120-823e-6b903a5%05d"}],`+
			`"Media":[{"id":%d,"duration":%d,"bitrate":716,"audioChannels":2,"audioCodec":"flac","container":"flac",`+
			`"Part":[{"id":%d,"key":"/library/parts/%d/1723508508/file.flac","duration":%d,`+
			`"file":"/music/Artist Name %d/The Album Called %d/%02d - Track number %d of the album.flac",`+
			`"size":%d,"container":"flac"}]}],"Genre":[{"tag":"Hip-Hop"},{"tag":"Rap"}]}`,
			rk, rk, album, artist, i, album, artist, i%20+1, i%20+1, album, artist, album, artist,
			i%20+1, 180000+i, i%7, album, artist, i,
			621630+i, 180000+i, 653835+i, 653835+i, 180000+i, artist, album, i%20+1, i%20+1, 20000000+i)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

func BenchmarkDecodeTrackPage(b *testing.B) {
	const tracks = 500
	body := trackPageJSON(tracks)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := decodePage(body, http.Header{}, 0)
		if err != nil || len(p.Items) != tracks {
			b.Fatalf("%d items, %v", len(p.Items), err)
		}
	}
	b.ReportMetric(float64(tracks*b.N)/b.Elapsed().Seconds(), "tracks/s")
	b.ReportMetric(float64(len(body))/tracks, "bytes/track")
}

func TestTrackPageJSONDecodes(t *testing.T) {
	p, err := decodePage(trackPageJSON(3), http.Header{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 3 || p.Items[2].Media[0].Part[0].Size != num(20000002) || p.Items[1].Index != num(2) {
		t.Errorf("generated page decoded as %+v", p.Items)
	}
}
