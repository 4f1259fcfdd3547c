package admission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/kubernetes"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

// ErrBadReview marks a request body that is not an admission.k8s.io/v1
// AdmissionReview with a request: the caller's mistake (HTTP 400).
var ErrBadReview = errors.New("not an admission.k8s.io/v1 AdmissionReview request")

// DecodeReview reads an AdmissionReview from r. It refuses other API
// versions and kinds, a review without a request or UID, and trailing
// data.
func DecodeReview(r io.Reader) (*admissionv1.AdmissionReview, error) {
	dec := json.NewDecoder(r)
	var rev admissionv1.AdmissionReview
	if err := dec.Decode(&rev); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadReview, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the review", ErrBadReview)
	}
	if rev.APIVersion != admissionv1.SchemeGroupVersion.String() || rev.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("%w: got apiVersion %q kind %q (the webhook configuration must list admissionReviewVersions: [v1])", ErrBadReview, rev.APIVersion, rev.Kind)
	}
	if rev.Request == nil {
		return nil, fmt.Errorf("%w: no request", ErrBadReview)
	}
	if rev.Request.UID == "" {
		return nil, fmt.Errorf("%w: request without uid", ErrBadReview)
	}
	return &rev, nil
}

// workload is the admitted object as the checks read it.
type workload struct {
	obj *manifest.Object
	// images are its containers' images (init and ephemeral ones too).
	images []misconfig.ImageRef
}

// objectName is the file name findings on an admitted object carry.
const objectName = "object"

// readWorkload decodes a raw object from a review. ok is false for
// objects that hold no pod template (other kinds); a workload kind whose
// fields do not decode is an error. namespace fills in metadata.namespace
// when the object leaves it out, as objects created in a namespace do.
func readWorkload(raw []byte, namespace string) (w *workload, ok bool, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, false, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false, fmt.Errorf("object: %w", err)
	}
	if namespace != "" {
		meta, _ := m["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			m["metadata"] = meta
		}
		if ns, _ := meta["namespace"].(string); ns == "" {
			meta["namespace"] = namespace
			if raw, err = json.Marshal(m); err != nil {
				return nil, false, fmt.Errorf("object: %w", err)
			}
		}
	}
	objs, err := manifest.Decode(objectName, raw)
	if err != nil {
		return nil, false, fmt.Errorf("object: %w", err)
	}
	if len(objs) != 1 {
		return nil, false, nil // no kind or apiVersion, or a List: not a workload
	}
	obj := objs[0]
	if _, _, _, isPod := kubernetes.PodSpecOf(obj); !isPod {
		if isWorkloadKind(obj) {
			return nil, false, fmt.Errorf("object %s: its pod template does not decode", obj.Ref())
		}
		return nil, false, nil
	}
	return &workload{obj: obj, images: kubernetes.Images([]*manifest.Object{obj})}, true, nil
}

// workloadGroups are the API groups serving the kinds whose pod
// templates the webhook checks (a custom resource called Job is none).
var workloadGroups = map[string][]string{
	"Pod": {""}, "PodTemplate": {""}, "ReplicationController": {""},
	"Deployment": {"apps", "extensions"}, "ReplicaSet": {"apps", "extensions"}, "DaemonSet": {"apps", "extensions"},
	"StatefulSet": {"apps"}, "Job": {"batch"}, "CronJob": {"batch"},
}

func isWorkloadKind(o *manifest.Object) bool {
	group, _, found := strings.Cut(o.APIVersion, "/")
	if !found {
		group = ""
	}
	return slices.Contains(workloadGroups[o.Kind], group)
}

// DecodeAnswer reads the webhook's answer: an AdmissionReview with a
// response that has a UID.
func DecodeAnswer(data []byte) (*admissionv1.AdmissionReview, error) {
	var rev admissionv1.AdmissionReview
	if err := json.Unmarshal(data, &rev); err != nil {
		return nil, fmt.Errorf("admission answer: %w", err)
	}
	if rev.Response == nil || rev.Response.UID == "" {
		return nil, errors.New("admission answer: no response or no uid")
	}
	return &rev, nil
}
