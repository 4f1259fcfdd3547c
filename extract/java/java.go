// Package java finds Maven packages: in Java archives (jar, war, ear and
// their kin, nested ones included), in Maven pom.xml files and in Gradle
// lockfiles.
//
// Archives say what they are in META-INF/maven/<group>/<artifact>/
// pom.properties, which Maven writes into every jar it builds, and which a
// shaded or fat jar carries once per bundled artifact. Archives without one
// (built by Ant, Gradle or a Linux distribution) are named from their
// manifest and their file name instead, which is a guess and may lack the
// group. Packages are named "groupId:artifactId", or just the artifactId
// when the group cannot be told.
package java

// Extractor names, as they appear in warnings and cache keys.
const (
	archiveName = "java-archive"
	pomName     = "maven-pom"
	gradleName  = "gradle-lockfile"
)

// coords is one Maven artifact as an archive or build file names it.
type coords struct {
	group, artifact, version string
	licenses                 []string
}

// name is the package name: "group:artifact", or the artifact alone when
// the group is unknown (inventory.PURL then leaves the namespace empty).
func (c coords) name() string {
	if c.group == "" {
		return c.artifact
	}
	return c.group + ":" + c.artifact
}

// key identifies an artifact version for de-duplication.
func (c coords) key() string { return c.group + ":" + c.artifact + ":" + c.version }
