// Command demo-server is the Go program of Bulwark's demo image
// (demo/image.tar). Its dependencies are pinned at 2022 versions that have
// advisories in the Go vulnerability database, so that a scan of the
// image has something real to report. It is built by demo/build.sh and
// never meant to run anywhere; this module is not part of Bulwark's.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/net/html"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

type config struct {
	Listen    string   `yaml:"listen"`
	Languages []string `yaml:"languages"`
	SSHKey    string   `yaml:"ssh_host_key"`
}

func main() {
	cfg := config{Listen: ":8080"}
	if b, err := os.ReadFile("/app/config.yaml"); err == nil {
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			log.Fatal(err)
		}
	}
	var tags []language.Tag
	for _, l := range cfg.Languages {
		tags = append(tags, language.Make(l))
	}
	matcher := language.NewMatcher(append([]language.Tag{language.English}, tags...))
	if cfg.SSHKey != "" {
		if _, err := ssh.ParsePrivateKey([]byte(cfg.SSHKey)); err != nil {
			log.Printf("ssh host key: %v", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/title", func(w http.ResponseWriter, r *http.Request) {
		doc, err := html.Parse(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tag, _ := language.MatchStrings(matcher, r.Header.Get("Accept-Language"))
		fmt.Fprintf(w, "%s: %s\n", tag, strings.TrimSpace(title(doc)))
	})
	log.Fatal(http.ListenAndServe(cfg.Listen, h2c.NewHandler(mux, &http2.Server{})))
}

// title returns the text of the first <title> element.
func title(n *html.Node) string {
	if n.Type == html.ElementNode && n.Data == "title" && n.FirstChild != nil {
		return n.FirstChild.Data
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if t := title(c); t != "" {
			return t
		}
	}
	return ""
}
