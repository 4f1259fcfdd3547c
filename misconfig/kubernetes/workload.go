package kubernetes

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	appsv1beta2 "k8s.io/api/apps/v1beta2"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	extv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

// kind describes one workload kind: where its pod template sits and the
// typed structs its API versions decode into.
type kind struct {
	groups []string // API groups serving the kind ("" is the core group)
	// template is the path from the object to its pod template (the
	// mapping holding metadata and spec); empty for a Pod.
	template []any
	// versions maps an apiVersion to a constructor of its typed object.
	versions map[string]func() any
	// fallback decodes API versions not in versions, leniently: their
	// schema is not known, so their unknown fields are not reported.
	fallback func() any
}

var (
	podTemplatePath = []any{"spec", "template"}
	cronJobPath     = []any{"spec", "jobTemplate", "spec", "template"}
)

// kinds lists the workload kinds. It is read-only.
var kinds = map[string]kind{
	"Pod": {groups: []string{""}, template: []any{},
		versions: map[string]func() any{"v1": func() any { return new(corev1.Pod) }},
		fallback: func() any { return new(corev1.Pod) }},
	"PodTemplate": {groups: []string{""}, template: []any{"template"},
		versions: map[string]func() any{"v1": func() any { return new(corev1.PodTemplate) }},
		fallback: func() any { return new(corev1.PodTemplate) }},
	"ReplicationController": {groups: []string{""}, template: podTemplatePath,
		versions: map[string]func() any{"v1": func() any { return new(corev1.ReplicationController) }},
		fallback: func() any { return new(corev1.ReplicationController) }},
	"Deployment": {groups: []string{"apps", "extensions"}, template: podTemplatePath,
		versions: map[string]func() any{
			"apps/v1":            func() any { return new(appsv1.Deployment) },
			"apps/v1beta1":       func() any { return new(appsv1beta1.Deployment) },
			"apps/v1beta2":       func() any { return new(appsv1beta2.Deployment) },
			"extensions/v1beta1": func() any { return new(extv1beta1.Deployment) },
		},
		fallback: func() any { return new(appsv1.Deployment) }},
	"StatefulSet": {groups: []string{"apps"}, template: podTemplatePath,
		versions: map[string]func() any{
			"apps/v1":      func() any { return new(appsv1.StatefulSet) },
			"apps/v1beta1": func() any { return new(appsv1beta1.StatefulSet) },
			"apps/v1beta2": func() any { return new(appsv1beta2.StatefulSet) },
		},
		fallback: func() any { return new(appsv1.StatefulSet) }},
	"DaemonSet": {groups: []string{"apps", "extensions"}, template: podTemplatePath,
		versions: map[string]func() any{
			"apps/v1":            func() any { return new(appsv1.DaemonSet) },
			"apps/v1beta2":       func() any { return new(appsv1beta2.DaemonSet) },
			"extensions/v1beta1": func() any { return new(extv1beta1.DaemonSet) },
		},
		fallback: func() any { return new(appsv1.DaemonSet) }},
	"ReplicaSet": {groups: []string{"apps", "extensions"}, template: podTemplatePath,
		versions: map[string]func() any{
			"apps/v1":            func() any { return new(appsv1.ReplicaSet) },
			"apps/v1beta2":       func() any { return new(appsv1beta2.ReplicaSet) },
			"extensions/v1beta1": func() any { return new(extv1beta1.ReplicaSet) },
		},
		fallback: func() any { return new(appsv1.ReplicaSet) }},
	"Job": {groups: []string{"batch"}, template: podTemplatePath,
		versions: map[string]func() any{"batch/v1": func() any { return new(batchv1.Job) }},
		fallback: func() any { return new(batchv1.Job) }},
	"CronJob": {groups: []string{"batch"}, template: cronJobPath,
		versions: map[string]func() any{
			"batch/v1":      func() any { return new(batchv1.CronJob) },
			"batch/v1beta1": func() any { return new(batchv1beta1.CronJob) },
		},
		fallback: func() any { return new(batchv1.CronJob) }},
}

// workloadKind returns the kind of o when o is a workload: a known kind
// in one of the API groups that serve it (a custom resource that happens
// to be called "Job" is not one).
func workloadKind(o *manifest.Object) (kind, bool) {
	k, ok := kinds[o.Kind]
	if !ok {
		return kind{}, false
	}
	group, _, found := strings.Cut(o.APIVersion, "/")
	if !found {
		group = ""
	}
	for _, g := range k.groups {
		if g == group {
			return k, true
		}
	}
	return kind{}, false
}

// workload is a decoded workload object.
type workload struct {
	obj *manifest.Object
	// path leads from the object to its pod template.
	path []any
	// meta and spec are the pod template's; nil when the object has no
	// template.
	meta *metav1.ObjectMeta
	spec *corev1.PodSpec
	// unknown lists the fields the API would drop, as paths from the
	// object ("spec.template.spec.containers[0].securityContext.runAsRoot").
	unknown []string
}

// decode turns a workload object into its typed form. It returns nil, nil
// for objects that are not workloads. A value of the wrong type for its
// field is an error.
func decode(o *manifest.Object) (*workload, error) {
	k, ok := workloadKind(o)
	if !ok {
		return nil, nil
	}
	data, err := json.Marshal(o.Value)
	if err != nil {
		return nil, fmt.Errorf("encode as JSON: %w", err)
	}
	w := &workload{obj: o, path: k.template}
	typed := k.fallback()
	if newTyped, known := k.versions[o.APIVersion]; known {
		typed = newTyped()
		strict, err := sigsjson.UnmarshalStrict(data, typed, sigsjson.DisallowUnknownFields)
		if err != nil {
			return nil, typeError(err)
		}
		for _, e := range strict {
			var fe sigsjson.FieldError
			if errors.As(e, &fe) {
				w.unknown = append(w.unknown, fe.FieldPath())
			}
		}
	} else if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, typed); err != nil {
		return nil, typeError(err)
	}
	if _, ok := lookupValue(o.Value, k.template); !ok {
		return w, nil
	}
	w.meta, w.spec = templateOf(typed)
	if w.spec != nil {
		defaultVolumes(w.spec)
	}
	return w, nil
}

// defaultVolumes gives a volume without a source an emptyDir, as the API
// server's defaulting does before admission sees the pod.
func defaultVolumes(spec *corev1.PodSpec) {
	for i := range spec.Volumes {
		src := reflect.ValueOf(&spec.Volumes[i].VolumeSource).Elem()
		empty := true
		for f := 0; f < src.NumField() && empty; f++ {
			if fv := src.Field(f); fv.Kind() == reflect.Pointer && !fv.IsNil() {
				empty = false
			}
		}
		if empty {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
}

// typeError says what a decoding failure means for a manifest: a field
// holds a value of the wrong type, which the API server would reject.
func typeError(err error) error {
	return fmt.Errorf("invalid value: %w", err)
}

// templateOf returns the pod template inside a typed workload.
func templateOf(v any) (*metav1.ObjectMeta, *corev1.PodSpec) {
	var t *corev1.PodTemplateSpec
	switch v := v.(type) {
	case *corev1.Pod:
		return &v.ObjectMeta, &v.Spec
	case *corev1.PodTemplate:
		t = &v.Template
	case *corev1.ReplicationController:
		t = v.Spec.Template
	case *appsv1.Deployment:
		t = &v.Spec.Template
	case *appsv1beta1.Deployment:
		t = &v.Spec.Template
	case *appsv1beta2.Deployment:
		t = &v.Spec.Template
	case *extv1beta1.Deployment:
		t = &v.Spec.Template
	case *appsv1.StatefulSet:
		t = &v.Spec.Template
	case *appsv1beta1.StatefulSet:
		t = &v.Spec.Template
	case *appsv1beta2.StatefulSet:
		t = &v.Spec.Template
	case *appsv1.DaemonSet:
		t = &v.Spec.Template
	case *appsv1beta2.DaemonSet:
		t = &v.Spec.Template
	case *extv1beta1.DaemonSet:
		t = &v.Spec.Template
	case *appsv1.ReplicaSet:
		t = &v.Spec.Template
	case *appsv1beta2.ReplicaSet:
		t = &v.Spec.Template
	case *extv1beta1.ReplicaSet:
		t = &v.Spec.Template
	case *batchv1.Job:
		t = &v.Spec.Template
	case *batchv1.CronJob:
		t = &v.Spec.JobTemplate.Spec.Template
	case *batchv1beta1.CronJob:
		t = &v.Spec.JobTemplate.Spec.Template
	}
	if t == nil {
		return nil, nil
	}
	return &t.ObjectMeta, &t.Spec
}

// lookupValue follows path (map keys and list indexes) through a decoded
// object.
func lookupValue(v any, path []any) (any, bool) {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[p]; !ok {
				return nil, false
			}
		case int:
			l, ok := v.([]any)
			if !ok || p < 0 || p >= len(l) {
				return nil, false
			}
			v = l[p]
		default:
			return nil, false
		}
	}
	return v, true
}

// PodSpecOf returns the pod template of a workload object — Pod,
// Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
// ReplicationController or PodTemplate — and the path from the object to
// that template (the mapping holding metadata and spec; empty for a Pod),
// so that append(path, "spec", …) locates a field with Object.LineOf. ok
// is false for other objects, for workloads without a template, and for
// objects whose fields have values of the wrong type.
func PodSpecOf(o *manifest.Object) (meta *metav1.ObjectMeta, spec *corev1.PodSpec, path []any, ok bool) {
	w, err := decode(o)
	if err != nil || w == nil || w.spec == nil {
		return nil, nil, nil, false
	}
	return w.meta, w.spec, append([]any{}, w.path...), true
}

// Images lists the images the workloads among objs run — containers, init
// and ephemeral containers — each at the line of its image field.
func Images(objs []*manifest.Object) []misconfig.ImageRef {
	var out []misconfig.ImageRef
	for _, o := range objs {
		w, err := decode(o)
		if err != nil || w == nil || w.spec == nil {
			continue
		}
		forContainers(w.spec, func(c *corev1.Container, at []any) {
			img := strings.TrimSpace(c.Image)
			if img == "" {
				return
			}
			out = append(out, misconfig.ImageRef{
				Image: img, File: o.File, Line: o.LineOf(join(w.path, join(at, "image")...)...),
				Resource: misconfig.Resource{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Container: c.Name},
			})
		})
	}
	return out
}
