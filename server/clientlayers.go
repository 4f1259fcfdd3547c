package server

import (
	"io"
	"net/http"
)

// maxLayerKey bounds a layer key: a diff ID and the extractors' names
// and versions.
const maxLayerKey = 4096

// layerKey is the cache key of a client's layer result, under
// ClientLayerPrefix so that no client writes what workers read.
func layerKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.PathValue("key")
	if key == "" || len(key) > maxLayerKey {
		writeError(w, http.StatusBadRequest, "layer key: empty or over %d bytes", maxLayerKey)
		return "", false
	}
	for _, c := range []byte(key) {
		if c < 0x20 || c == 0x7f {
			writeError(w, http.StatusBadRequest, "layer key: a control character")
			return "", false
		}
	}
	return ClientLayerPrefix + key, true
}

// getLayer answers with a layer result a client stored, or 404.
func (s *Server) getLayer(w http.ResponseWriter, r *http.Request) {
	key, ok := layerKey(w, r)
	if !ok {
		return
	}
	data, ok := s.layers.Get(key)
	if !ok {
		writeError(w, http.StatusNotFound, "no layer result under this key")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
}

// putLayer stores a layer result a client made.
func (s *Server) putLayer(w http.ResponseWriter, r *http.Request) {
	key, ok := layerKey(w, r)
	if !ok {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
	if err != nil {
		writeUploadReadError(w, err)
		return
	}
	if err := s.layers.Put(key, data); err != nil {
		s.answerError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
