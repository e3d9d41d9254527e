package loadgen

import (
	"fmt"
	"strconv"
	"strings"
)

// SetMix sets the journeys' weights from text such as "book=70,complaint=15,status=15".
// A journey the text leaves out gets weight 0 and does not run. It refuses a journey the
// profile does not have, one named twice, a weight that is not a whole number from 0, and
// weights that add up to nothing; the profile is unchanged then.
func (p *Profile) SetMix(spec string) error {
	weights := map[string]int{}
	total := 0
	for part := range strings.SplitSeq(spec, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		name = strings.TrimSpace(name)
		n, err := strconv.Atoi(strings.TrimSpace(w))
		switch {
		case !ok || name == "":
			return fmt.Errorf("loadgen: mix %q: want journey=weight, comma-separated", spec)
		case err != nil || n < 0:
			return fmt.Errorf("loadgen: mix %q: the weight of %s is not a whole number from 0", spec, name)
		case p.journey(name) < 0:
			return fmt.Errorf("loadgen: mix %q: profile %s has no journey %q (it has %s)", spec, p.Name, name, p.names())
		}
		if _, dup := weights[name]; dup {
			return fmt.Errorf("loadgen: mix %q names %s twice", spec, name)
		}
		weights[name] = n
		total += n
	}
	if total == 0 {
		return fmt.Errorf("loadgen: mix %q: the weights add up to nothing", spec)
	}
	for i := range p.Journeys {
		p.Journeys[i].Weight = weights[p.Journeys[i].Journey.Name]
	}
	return nil
}

// Mix is the journeys' weights, written as SetMix reads them; journeys that do not run are
// left out.
func (p *Profile) Mix() string {
	var parts []string
	for _, w := range p.Journeys {
		if w.Weight > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", w.Journey.Name, w.Weight))
		}
	}
	return strings.Join(parts, ",")
}

func (p *Profile) journey(name string) int {
	for i := range p.Journeys {
		if p.Journeys[i].Journey.Name == name {
			return i
		}
	}
	return -1
}

func (p *Profile) names() string {
	names := make([]string, len(p.Journeys))
	for i, w := range p.Journeys {
		names[i] = w.Journey.Name
	}
	return strings.Join(names, ", ")
}
