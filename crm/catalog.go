package crm

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Centre is a Huduma Centre.
type Centre struct {
	Code   string // three letters, e.g. KSM
	Name   string // e.g. Huduma Centre Kisumu
	County string
	Town   string
}

// ServiceScope says who offers a service: national services are offered at every centre,
// county services only where the county government runs a desk (see Offering).
type ServiceScope string

const (
	ScopeNational ServiceScope = "national"
	ScopeCounty   ServiceScope = "county"
)

// Service is a government service offered at Huduma Centres.
type Service struct {
	Code        string // stable short code, e.g. BIRTH-CERT
	Institution string // the agency that delivers it
	Name        string // the official name
	Scope       ServiceScope
	ShortEN     string // short names for small screens and SMS, per language
	ShortSW     string
}

// Label is the service's short name in the citizen's language.
func (s Service) Label(l Lang) string {
	if l == Swahili && s.ShortSW != "" {
		return s.ShortSW
	}
	return s.ShortEN
}

// Offering says that a centre offers a county service.
type Offering struct {
	Centre  string
	Service string
}

// Holiday is a day every centre is closed. The table is the operator's to edit (gazette
// notices move Idd-ul-Fitr and add one-off holidays); edits are picked up on the next reload.
type Holiday struct {
	Day  time.Time // a civil date, see DateOf
	Name string
}

// RefData is the reference data as stored: what seeding writes and what the catalogue is
// built from.
type RefData struct {
	Centres   []Centre
	Services  []Service
	Offerings []Offering
	Holidays  []Holiday
}

// Catalog is the reference data indexed for the hop path: built once per reload, then only
// read, so every USSD hop answers from memory without touching SQL.
type Catalog struct {
	counties        []string
	centres         map[string]Centre
	centresByCounty map[string][]Centre
	services        map[string]Service
	serviceList     []Service // in the published order
	servicesAt      map[string][]Service
	holidays        map[time.Time]string
}

// NewCatalog indexes reference data. Lists come out sorted by name so menus are stable.
func NewCatalog(d RefData) *Catalog {
	c := &Catalog{
		centres:         make(map[string]Centre, len(d.Centres)),
		centresByCounty: make(map[string][]Centre),
		services:        make(map[string]Service, len(d.Services)),
		servicesAt:      make(map[string][]Service, len(d.Centres)),
		holidays:        make(map[time.Time]string, len(d.Holidays)),
	}
	for _, s := range d.Services {
		c.services[s.Code] = s
	}
	c.serviceList = d.Services
	county := map[string]map[string]bool{}
	for _, o := range d.Offerings {
		if county[o.Centre] == nil {
			county[o.Centre] = map[string]bool{}
		}
		county[o.Centre][o.Service] = true
	}
	for _, ct := range d.Centres {
		c.centres[ct.Code] = ct
		if len(c.centresByCounty[ct.County]) == 0 {
			c.counties = append(c.counties, ct.County)
		}
		c.centresByCounty[ct.County] = append(c.centresByCounty[ct.County], ct)
		var offered []Service
		for _, s := range d.Services { // keep the CSV order: national services first, by agency
			if s.Scope == ScopeNational || county[ct.Code][s.Code] {
				offered = append(offered, s)
			}
		}
		c.servicesAt[ct.Code] = offered
	}
	sort.Strings(c.counties)
	for _, list := range c.centresByCounty {
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	}
	for _, h := range d.Holidays {
		c.holidays[DateOf(h.Day)] = h.Name
	}
	return c
}

// Counties lists the counties that have at least one centre, alphabetically.
func (c *Catalog) Counties() []string { return c.counties }

// CentresIn lists a county's centres by name.
func (c *Catalog) CentresIn(county string) []Centre { return c.centresByCounty[county] }

// Centres lists every centre, by name.
func (c *Catalog) Centres() []Centre {
	all := make([]Centre, 0, len(c.centres))
	for _, ct := range c.centres {
		all = append(all, ct)
	}
	slices.SortFunc(all, func(a, b Centre) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// Centre finds a centre by code.
func (c *Catalog) Centre(code string) (Centre, bool) { ct, ok := c.centres[code]; return ct, ok }

// Service finds a service by code.
func (c *Catalog) Service(code string) (Service, bool) { s, ok := c.services[code]; return s, ok }

// Services lists every service in the published order (national services first, by agency).
func (c *Catalog) Services() []Service { return c.serviceList }

// ServicesAt lists what a centre offers: every national service and its county services.
func (c *Catalog) ServicesAt(centre string) []Service { return c.servicesAt[centre] }

// Offers reports whether a centre offers a service.
func (c *Catalog) Offers(centre, service string) bool {
	for _, s := range c.servicesAt[centre] {
		if s.Code == service {
			return true
		}
	}
	return false
}

// Holiday names the public holiday on day, if it is one.
func (c *Catalog) Holiday(day time.Time) (string, bool) {
	name, ok := c.holidays[DateOf(day)]
	return name, ok
}
