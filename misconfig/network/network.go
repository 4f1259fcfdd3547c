// Package network checks how Kubernetes manifests expose workloads on the
// network: workloads no NetworkPolicy isolates, NetworkPolicies that let
// everything in, Services reachable from outside the cluster, Ingresses
// without TLS, and Secrets whose values are committed with the manifests.
package network

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkNoIngressPolicy = misconfig.Check{
		ID: "BW-NET-001", Title: "Workload is not isolated by an ingress NetworkPolicy", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Pods that no NetworkPolicy selects for ingress accept connections from every pod in the cluster, so one compromised workload can reach them all.",
		Fix:        "Add a default-deny NetworkPolicy to the namespace (podSelector: {}, policyTypes: [Ingress, Egress]) and policies that allow only the traffic each workload needs.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.3.2", refPolicies, refNSA},
	}
	checkNoEgressPolicy = misconfig.Check{
		ID: "BW-NET-002", Title: "Workload is not isolated by an egress NetworkPolicy", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Ingress-only policies leave egress open: a compromised pod can reach the cloud metadata service, the API server and any outside address to move laterally or exfiltrate data.",
		Fix:        "Add Egress to the policyTypes of a policy selecting the workload, with egress rules for DNS and the services it calls.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.3.2", refPolicies, refNSA},
	}
	checkIngressAnywhereAll = misconfig.Check{
		ID: "BW-NET-008", Title: "NetworkPolicy allows ingress from anywhere on every port", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "An ingress rule without from, or with the ipBlock 0.0.0.0/0, admits every pod and every outside address; without ports it does so on every port, undoing the isolation the policy's selection brings.",
		Fix:        "List the allowed peers in from (podSelector, namespaceSelector or narrow ipBlocks) and the ports the workload serves.",
		References: []string{refPolicies, refNSA},
	}
	checkIngressAnywherePorts = misconfig.Check{
		ID: "BW-NET-009", Title: "NetworkPolicy allows ingress from anywhere", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "An ingress rule without from, or with the ipBlock 0.0.0.0/0, admits every pod and every outside address on its ports; right for a public entry point, too wide for anything else.",
		Fix:        "If the workload is not a public entry point, list the allowed peers in from (podSelector, namespaceSelector or narrow ipBlocks).",
		References: []string{refPolicies},
	}
	checkHostNetwork = misconfig.Check{
		ID: "BW-NET-011", Title: "Host-network workload is outside NetworkPolicy isolation", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Pods with hostNetwork: true use the node's network namespace; the Kubernetes documentation leaves NetworkPolicy behaviour for them undefined and the common plugins do not filter their traffic, so a policy that selects them gives isolation only on paper, and they can reach everything the node can.",
		Fix:        "Drop hostNetwork unless the workload is a node agent that needs it (a CNI or monitoring daemon); isolate such agents with host firewall rules instead of NetworkPolicies.",
		References: []string{refPolicies, "Pod Security Standards: Baseline (Host Namespaces)", refNSA},
	}
)

// workload is an object that makes pods, with the labels its pods get.
type workload struct {
	obj    *manifest.Object
	ns     string
	labels map[string]string
	// annotations of the pod template, which may also suppress findings,
	// as they do for the workload checks of misconfig/kubernetes.
	annotations map[string]string
	line        int // of the pod labels, or their nearest parent
	// hostNetwork pods share the node's network namespace, which
	// NetworkPolicies do not govern.
	hostNetwork bool
}

// policy is a NetworkPolicy and what it isolates.
type policy struct {
	obj             *manifest.Object
	spec            networkingv1.NetworkPolicySpec
	sel             selector
	ingress, egress bool // the policy types it applies
}

// namespacePolicies are the NetworkPolicies of one namespace, indexed so a
// workload is matched only against policies that could select it.
type namespacePolicies struct {
	count int
	// any holds policies without matchLabels (empty selectors and
	// expression-only ones), tried on every workload.
	any []*policy
	// byPair holds each other policy under one label pair it requires.
	byPair map[string][]*policy
}

// add indexes p under a label pair it requires, if it has one.
func (n *namespacePolicies) add(p *policy) {
	n.count++
	key, ok := p.sel.indexKey()
	switch {
	case p.sel.none:
		// Selects nothing: counted, but never a candidate.
	case ok:
		n.byPair[key] = append(n.byPair[key], p)
	default:
		n.any = append(n.any, p)
	}
}

// candidates calls yield with every policy that might select labels,
// each once.
func (n *namespacePolicies) candidates(labels map[string]string, yield func(*policy)) {
	for _, p := range n.any {
		yield(p)
	}
	for k, v := range labels {
		for _, p := range n.byPair[pairKey(k, v)] {
			yield(p)
		}
	}
}

// Scan checks objs, which should be every object of the scan, from all
// files: a NetworkPolicy in one file isolates the workloads of another.
// Objects that do not decode into their Kubernetes type are skipped.
//
// A workload selected by no ingress policy gets one finding (BW-NET-001),
// whose message also says whether egress is open; the egress finding
// (BW-NET-002) is kept for workloads that some policy does isolate for
// ingress but none for egress, so a namespace without any policy is not
// reported twice per workload.
func Scan(objs []*manifest.Object) []misconfig.Finding {
	s := &scanner{}
	var workloads []workload
	policies := map[string]*namespacePolicies{}
	for _, o := range objs {
		if o == nil {
			continue
		}
		group := manifest.APIGroup(o.APIVersion)
		switch {
		case o.Kind == "NetworkPolicy" && (group == "networking.k8s.io" || group == "extensions"):
			np, ok := manifest.As[networkingv1.NetworkPolicy](o)
			if !ok {
				continue
			}
			p := newPolicy(o, np)
			ns := namespace(o)
			n := policies[ns]
			if n == nil {
				n = &namespacePolicies{byPair: map[string][]*policy{}}
				policies[ns] = n
			}
			n.add(p)
			s.policy(p)
		case o.Kind == "Service" && group == "":
			if v, ok := manifest.As[corev1.Service](o); ok {
				s.service(o, v)
			}
		case o.Kind == "Secret" && group == "":
			if v, ok := manifest.As[corev1.Secret](o); ok {
				s.secret(o, v)
			}
		case o.Kind == "Ingress" && (group == "networking.k8s.io" || group == "extensions"):
			if v, ok := manifest.As[networkingv1.Ingress](o); ok {
				s.ingress(o, v)
			}
		default:
			if w, ok := podTemplate(o); ok {
				workloads = append(workloads, w)
			}
		}
	}
	for _, w := range workloads {
		s.workload(w, policies[w.ns])
	}
	misconfig.Sort(s.out)
	return s.out
}

func newPolicy(o *manifest.Object, np *networkingv1.NetworkPolicy) *policy {
	p := &policy{obj: o, spec: np.Spec, sel: compile(&np.Spec.PodSelector)}
	if len(np.Spec.PolicyTypes) == 0 {
		// The API server's default: Ingress always, Egress when the policy
		// has egress rules.
		p.ingress, p.egress = true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.ingress = true
		case networkingv1.PolicyTypeEgress:
			p.egress = true
		}
	}
	return p
}

// podTemplate finds the pod labels of a workload object.
func podTemplate(o *manifest.Object) (workload, bool) {
	var labels, annotations map[string]string
	var spec *corev1.PodSpec
	path := []any{"spec", "template", "metadata", "labels"}
	switch manifest.APIGroup(o.APIVersion) + "/" + o.Kind {
	case "/Pod":
		v, ok := manifest.As[corev1.Pod](o)
		if !ok {
			return workload{}, false
		}
		labels, path, spec = v.Labels, []any{"metadata", "labels"}, &v.Spec
	case "/ReplicationController":
		v, ok := manifest.As[corev1.ReplicationController](o)
		if !ok {
			return workload{}, false
		}
		if v.Spec.Template != nil {
			labels, annotations, spec = v.Spec.Template.Labels, v.Spec.Template.Annotations, &v.Spec.Template.Spec
		}
	case "apps/Deployment", "extensions/Deployment":
		v, ok := manifest.As[appsv1.Deployment](o)
		if !ok {
			return workload{}, false
		}
		labels, annotations, spec = v.Spec.Template.Labels, v.Spec.Template.Annotations, &v.Spec.Template.Spec
	case "apps/StatefulSet":
		v, ok := manifest.As[appsv1.StatefulSet](o)
		if !ok {
			return workload{}, false
		}
		labels, annotations, spec = v.Spec.Template.Labels, v.Spec.Template.Annotations, &v.Spec.Template.Spec
	case "apps/DaemonSet", "extensions/DaemonSet":
		v, ok := manifest.As[appsv1.DaemonSet](o)
		if !ok {
			return workload{}, false
		}
		labels, annotations, spec = v.Spec.Template.Labels, v.Spec.Template.Annotations, &v.Spec.Template.Spec
	case "apps/ReplicaSet", "extensions/ReplicaSet":
		v, ok := manifest.As[appsv1.ReplicaSet](o)
		if !ok {
			return workload{}, false
		}
		labels, annotations, spec = v.Spec.Template.Labels, v.Spec.Template.Annotations, &v.Spec.Template.Spec
	case "batch/Job":
		v, ok := manifest.As[batchv1.Job](o)
		if !ok {
			return workload{}, false
		}
		labels, annotations, spec = v.Spec.Template.Labels, v.Spec.Template.Annotations, &v.Spec.Template.Spec
	case "batch/CronJob":
		v, ok := manifest.As[batchv1.CronJob](o)
		if !ok {
			return workload{}, false
		}
		t := &v.Spec.JobTemplate.Spec.Template
		labels, annotations, spec = t.Labels, t.Annotations, &t.Spec
		path = []any{"spec", "jobTemplate", "spec", "template", "metadata", "labels"}
	default:
		return workload{}, false
	}
	w := workload{obj: o, ns: namespace(o), labels: labels, annotations: annotations, line: o.LineOf(path...)}
	if spec != nil && spec.HostNetwork {
		w.hostNetwork = true
		w.line = o.LineOf(append(slices.Clone(path[:len(path)-2]), "spec", "hostNetwork")...)
	}
	return w, true
}

type scanner struct {
	out []misconfig.Finding
}

func (s *scanner) add(c misconfig.Check, o *manifest.Object, line int, format string, args ...any) {
	s.addWith(nil, c, o, line, format, args...)
}

// addWith is add for a workload, whose pod template annotations may also
// suppress the finding.
func (s *scanner) addWith(template map[string]string, c misconfig.Check, o *manifest.Object, line int, format string, args ...any) {
	f := c.At(o.File, line, resource(o), format, args...)
	if reason, ok := misconfig.AnnotationReason(o.Annotations, c.ID); ok {
		f.Suppression = reason
	} else if reason, ok := misconfig.AnnotationReason(template, c.ID); ok {
		f.Suppression = reason
	}
	s.out = append(s.out, f)
}

// workload reports a workload's pods that no policy of its namespace
// isolates.
func (s *scanner) workload(w workload, n *namespacePolicies) {
	var inPolicies, egPolicies []string
	if n != nil {
		n.candidates(w.labels, func(p *policy) {
			if (p.ingress || p.egress) && p.sel.matches(w.labels) {
				name := p.obj.Name
				if p.ingress {
					inPolicies = append(inPolicies, name)
				}
				if p.egress {
					egPolicies = append(egPolicies, name)
				}
			}
		})
	}
	// "its pods accept" for controllers, "the pod accepts" for a Pod.
	pods, they, accept, their := fmt.Sprintf("its pods (%s)", showLabels(w.labels)), "they", "accept", "their"
	if w.obj.Kind == "Pod" {
		pods, they, accept, their = fmt.Sprintf("the pod (%s)", showLabels(w.labels)), "it", "accepts", "its"
	}
	if w.hostNetwork {
		// Policies select host-network pods but, with the common network
		// plugins, do not filter their traffic: the pods are on the node's
		// interfaces. Saying they are isolated would be wrong.
		msg := fmt.Sprintf("%s use the node's network (hostNetwork: true), which NetworkPolicies do not isolate", pods)
		if w.obj.Kind == "Pod" {
			msg = fmt.Sprintf("%s uses the node's network (hostNetwork: true), which NetworkPolicies do not isolate", pods)
		}
		if sel := uniq(append(inPolicies, egPolicies...)); len(sel) > 0 {
			msg += fmt.Sprintf(": NetworkPolicy %s selects %s but does not restrict %s traffic", names(sel), them(they), their)
		}
		s.addWith(w.annotations, checkHostNetwork, w.obj, w.line, "%s", msg)
		return
	}
	switch {
	case len(inPolicies) == 0:
		count := 0
		if n != nil {
			count = n.count
		}
		var msg string
		switch count {
		case 0:
			msg = fmt.Sprintf("namespace %s has no NetworkPolicy, so %s %s connections from any pod", w.ns, pods, accept)
		case 1:
			msg = fmt.Sprintf("the one NetworkPolicy in namespace %s does not select %s for ingress, so %s %s connections from any pod", w.ns, pods, they, accept)
		default:
			msg = fmt.Sprintf("none of the %d NetworkPolicies in namespace %s selects %s for ingress, so %s %s connections from any pod", count, w.ns, pods, they, accept)
		}
		if len(egPolicies) == 0 {
			msg += fmt.Sprintf("; %s egress is unrestricted too", their)
		} else {
			msg += fmt.Sprintf("; %s egress is restricted by NetworkPolicy %s", their, names(egPolicies))
		}
		s.addWith(w.annotations, checkNoIngressPolicy, w.obj, w.line, "%s", msg)
	case len(egPolicies) == 0:
		s.addWith(w.annotations, checkNoEgressPolicy, w.obj, w.line, "NetworkPolicy %s isolates %s for ingress, but none restricts %s egress, so %s can connect to any address",
			names(inPolicies), pods, their, they)
	}
}

// them is the object form of they.
func them(they string) string {
	if they == "it" {
		return "it"
	}
	return "them"
}

// uniq sorts names and drops repeats.
func uniq(names []string) []string {
	slices.Sort(names)
	return slices.Compact(names)
}

// policy reports ingress rules of p that admit any source.
func (s *scanner) policy(p *policy) {
	if !p.ingress {
		return // ingress rules of an Egress-only policy have no effect
	}
	target := "the pods it selects accept"
	if p.sel.none {
		return // selects no pods: the rules reach nothing
	}
	if sel := p.spec.PodSelector; len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		target = "all pods in namespace " + namespace(p.obj) + " accept"
	}
	for i, rule := range p.spec.Ingress {
		line, why := 0, ""
		if len(rule.From) == 0 {
			line, why = p.obj.LineOf("spec", "ingress", i), "has no from"
		}
		for j, peer := range rule.From {
			if line == 0 && peer.IPBlock != nil && everywhere(peer.IPBlock.CIDR) {
				line = p.obj.LineOf("spec", "ingress", i, "from", j, "ipBlock", "cidr")
				why = "allows ipBlock " + peer.IPBlock.CIDR
				if len(peer.IPBlock.Except) > 0 {
					why += " (except " + strings.Join(peer.IPBlock.Except, ", ") + ")"
				}
			}
		}
		if line == 0 {
			continue
		}
		if len(rule.Ports) == 0 {
			s.add(checkIngressAnywhereAll, p.obj, line, "ingress[%d] %s and no ports, so %s connections from any pod and any address on every port", i, why, target)
			continue
		}
		s.add(checkIngressAnywherePorts, p.obj, line, "ingress[%d] %s, so %s connections from any pod and any address on %s", i, why, target, policyPorts(rule.Ports))
	}
}

func policyPorts(ports []networkingv1.NetworkPolicyPort) string {
	var out []string
	for _, p := range ports {
		proto := "TCP"
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		switch {
		case p.Port == nil:
			out = append(out, "every "+proto+" port")
		case p.EndPort != nil:
			out = append(out, fmt.Sprintf("%s-%d/%s", p.Port.String(), *p.EndPort, proto))
		default:
			out = append(out, p.Port.String()+"/"+proto)
		}
	}
	return "port " + strings.Join(out, ", ")
}

// showLabels renders labels as sorted k=v pairs.
func showLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return "no labels"
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		kv = append(kv, k+"="+labels[k])
	}
	return "labels " + strings.Join(kv, ", ")
}

// names lists policy names, sorted, at most five.
func names(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(" and %d more", len(s)-5)
	}
	return strings.Join(s, ", ")
}

// namespace is where a namespaced object lands: manifests without one are
// applied to "default" unless told otherwise.
func namespace(o *manifest.Object) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

func resource(o *manifest.Object) misconfig.Resource {
	return misconfig.Resource{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}
