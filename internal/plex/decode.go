package plex

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// container is the {"MediaContainer": {...}} envelope of every PMS answer.
type container struct {
	MediaContainer *mediaContainer `json:"MediaContainer"`
}

type mediaContainer struct {
	Size              OptInt     `json:"size"`
	TotalSize         OptInt     `json:"totalSize"`
	Offset            OptInt     `json:"offset"`
	MachineIdentifier OptString  `json:"machineIdentifier"`
	Version           OptString  `json:"version"`
	Claimed           OptBool    `json:"claimed"`
	Metadata          []Metadata `json:"Metadata"`
	Directory         []Section  `json:"Directory"`
}

var errNoContainer = errors.New("no MediaContainer object")

func decodeContainer(body []byte) (*mediaContainer, error) {
	var c container
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, err
	}
	if c.MediaContainer == nil {
		return nil, errNoContainer
	}
	return c.MediaContainer, nil
}

// decodePage turns a listing response into a Page. start is what was asked
// for, used only when the server leaves offset out; header supplies
// X-Plex-Container-Total-Size when the body lacks totalSize.
func decodePage(body []byte, header http.Header, start int) (Page, error) {
	mc, err := decodeContainer(body)
	if err != nil {
		return Page{}, err
	}
	p := Page{Offset: start, Size: len(mc.Metadata), Items: mc.Metadata}
	if mc.Offset.Valid {
		p.Offset = int(mc.Offset.V)
	}
	if mc.Size.Valid {
		p.Size = int(mc.Size.V)
	}
	switch {
	case mc.TotalSize.Valid:
		p.TotalSize = int(mc.TotalSize.V)
	case header.Get("X-Plex-Container-Total-Size") != "":
		n, err := strconv.Atoi(header.Get("X-Plex-Container-Total-Size"))
		if err != nil {
			return Page{}, errors.New("bad X-Plex-Container-Total-Size header")
		}
		p.TotalSize = n
	default:
		// Unpaged answer (python-plexapi falls back to size the same way).
		p.TotalSize = p.Offset + p.Size
	}
	if p.Offset < 0 || p.Size < 0 || p.TotalSize < 0 {
		return Page{}, errors.New("negative offset, size or totalSize")
	}
	return p, nil
}
