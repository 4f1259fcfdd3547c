package host

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/bulwark-sec/bulwark/internal/boundedfile"
)

// Tree is the host file system the audit reads, with names relative to
// its root ("etc/docker/daemon.json"). DirTree reads a folder; tests wrap
// it to give files owners they cannot chown to.
type Tree interface {
	// ReadFile reads a regular file of at most max bytes.
	ReadFile(name string, max int64) ([]byte, error)
	// Stat describes a file, following symbolic links that stay inside
	// the tree.
	Stat(name string) (Info, error)
	// ReadDir lists a folder.
	ReadDir(name string) ([]fs.DirEntry, error)
}

// Info is what the audit needs of a file: its type and permissions and
// its numeric owner and group.
type Info struct {
	Mode     fs.FileMode
	UID, GID uint32
}

// DirTree is the tree under a folder, read through os.Root: no symbolic
// link, absolute or relative, leads outside it.
type DirTree struct {
	root *os.Root
}

// OpenDir opens the tree under dir. Close it when done.
func OpenDir(dir string) (*DirTree, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	return &DirTree{root: r}, nil
}

// Close releases the folder.
func (t *DirTree) Close() error { return t.root.Close() }

// ReadFile reads name, refusing anything but a regular file and anything
// over max bytes.
func (t *DirTree) ReadFile(name string, max int64) ([]byte, error) {
	f, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return boundedfile.Read(f, max)
}

// Stat describes name, its links followed as resolve does.
func (t *DirTree) Stat(name string) (Info, error) {
	p, err := t.resolve(name)
	if err != nil {
		return Info{}, err
	}
	fi, err := t.root.Lstat(filepath.FromSlash(p))
	if err != nil {
		return Info{}, err
	}
	info := Info{Mode: fi.Mode()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		info.UID, info.GID = st.Uid, st.Gid
	}
	return info, nil
}

// ReadDir lists name.
func (t *DirTree) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(maxDirEntries)
	if errors.Is(err, io.EOF) { // an empty folder
		err = nil
	}
	return entries, err
}

func (t *DirTree) open(name string) (*os.File, error) {
	p, err := t.resolve(name)
	if err != nil {
		return nil, err
	}
	return t.root.Open(filepath.FromSlash(p))
}

// errEscapes is a link that leads above the tree's root.
var errEscapes = errors.New("a symbolic link leads outside the root")

// resolve follows the links in name one component at a time, as the
// host would see them: an absolute target starts again at the tree's
// root (a mounted host's /var/run -> /run means ROOT/run), and a relative
// one that climbs above the root is an error. Every step goes through
// os.Root, which would refuse an escape anyway.
func (t *DirTree) resolve(name string) (string, error) {
	parts := strings.Split(filepath.ToSlash(name), "/")
	done, hops := "", 0
	for len(parts) > 0 {
		p := parts[0]
		parts = parts[1:]
		switch p {
		case "", ".":
			continue
		case "..":
			if done == "" {
				return "", fmt.Errorf("%s: %w", name, errEscapes)
			}
			if done = path.Dir(done); done == "." {
				done = ""
			}
			continue
		}
		next := path.Join(done, p)
		fi, err := t.root.Lstat(filepath.FromSlash(next))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", name)
		}
		target, err := t.root.Readlink(filepath.FromSlash(next))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = ""
		}
		parts = append(strings.Split(target, "/"), parts...)
	}
	if done == "" {
		done = "."
	}
	return done, nil
}

// maxDirEntries bounds one folder listing (certs.d, rules.d, drop-ins).
const maxDirEntries = 1000

// rel turns a host path ("/etc/docker/x.pem") into a tree name
// ("etc/docker/x.pem"); ok is false for a relative path, which the
// daemon would resolve against a working folder the tree does not know.
func rel(hostPath string) (string, bool) {
	if !strings.HasPrefix(hostPath, "/") {
		return "", false
	}
	p := strings.TrimPrefix(path.Clean(hostPath), "/")
	return p, p != ""
}

// exists says whether name is in the tree.
func exists(t Tree, name string) bool {
	_, err := t.Stat(name)
	return err == nil
}
