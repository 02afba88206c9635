package snapshot

// The timetable section of the engine snapshot: the public transport timetable the engine was
// built with (layers.TransitFeed), so that a cold start need not read the transit_* tables.
// Layout of the block (little endian; a string is a u16 length and the bytes):
//
//	str name
//	u32 agencies, per agency: str id, name, url, timezone
//	u32 stops, per stop: str id, name, parent; f64 lon, lat, x, y (EPSG:25833); u32 location type
//	u32 routes, per route: str id, agency id, short name, long name; u32 type
//	u32 services, per service: str id; u8 weekdays (bit 0 Monday); u32 start, end (YYYYMMDD,
//	    0 without a calendar row); u32 added dates, the dates; u32 removed dates, the dates
//	u32 trips, per trip: str id, headsign; u32 route, service (indices)
//	u32 frequencies, per frequency: u32 trip, start, end, headway; u8 exact times
//	u32 transfers, per transfer: u32 from, to (stop indices), type, minimum time (−1: none)
//	u32 stop times, then per trip its end offset (u32), then per stop time u32 stop, arr, dep
//
// Signed values travel as their 32-bit two's complement. The decoded feed must pass
// layers.TransitFeed.Check.

import (
	"fmt"
	"math"

	"reach/geo/snapshotio"
	"reach/layers"
)

func appendU32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendF64s(b []byte, vs ...float64) []byte {
	for _, v := range vs {
		b = appendU64(b, math.Float64bits(v))
	}
	return b
}

func appendU64(b []byte, v uint64) []byte {
	return appendU32(appendU32(b, uint32(v)), uint32(v>>32))
}

// AppendTransit appends the timetable block of feed to b.
func AppendTransit(b []byte, f *layers.TransitFeed) []byte {
	str := snapshotio.AppendStr
	b = str(b, f.Name)
	b = appendU32(b, uint32(len(f.Agencies)))
	for _, a := range f.Agencies {
		b = str(str(str(str(b, a.ID), a.Name), a.URL), a.Timezone)
	}
	b = appendU32(b, uint32(len(f.Stops)))
	for _, s := range f.Stops {
		b = str(str(str(b, s.ID), s.Name), s.Parent)
		b = appendF64s(b, s.Lon, s.Lat, s.Pos[0], s.Pos[1])
		b = appendU32(b, uint32(int32(s.LocationType)))
	}
	b = appendU32(b, uint32(len(f.Routes)))
	for _, r := range f.Routes {
		b = str(str(str(str(b, r.ID), r.AgencyID), r.ShortName), r.LongName)
		b = appendU32(b, uint32(int32(r.Type)))
	}
	b = appendU32(b, uint32(len(f.Services)))
	for _, s := range f.Services {
		b = str(b, s.ID)
		var days byte
		for i, on := range s.Weekdays {
			if on {
				days |= 1 << i
			}
		}
		b = append(b, days)
		b = appendU32(appendU32(b, uint32(int32(s.Start))), uint32(int32(s.End)))
		for _, dates := range [][]int{s.Added, s.Removed} {
			b = appendU32(b, uint32(len(dates)))
			for _, d := range dates {
				b = appendU32(b, uint32(int32(d)))
			}
		}
	}
	b = appendU32(b, uint32(len(f.Trips)))
	for _, t := range f.Trips {
		b = str(str(b, t.ID), t.Headsign)
		b = appendU32(appendU32(b, uint32(t.Route)), uint32(t.Service))
	}
	b = appendU32(b, uint32(len(f.Frequencies)))
	for _, q := range f.Frequencies {
		for _, v := range []int32{q.Trip, q.Start, q.End, q.Headway} {
			b = appendU32(b, uint32(v))
		}
		exact := byte(0)
		if q.ExactTimes {
			exact = 1
		}
		b = append(b, exact)
	}
	b = appendU32(b, uint32(len(f.Transfers)))
	for _, x := range f.Transfers {
		for _, v := range []int32{x.From, x.To, int32(x.Type), x.MinTime} {
			b = appendU32(b, uint32(v))
		}
	}
	b = appendU32(b, uint32(len(f.StopIdx)))
	for _, v := range f.StopTimeStart[1:] {
		b = appendU32(b, v)
	}
	for i := range f.StopIdx {
		b = appendU32(appendU32(appendU32(b, f.StopIdx[i]), uint32(f.Arr[i])), uint32(f.Dep[i]))
	}
	return b
}

// DecodeTransit decodes a timetable block; an error wraps ErrInvalid.
func DecodeTransit(block []byte) (*layers.TransitFeed, error) {
	d := &snapshotio.Fields{B: block}
	// count reads a record count and checks that the rest of the block can hold that many
	// records of at least min bytes, so that a damaged count allocates nothing.
	count := func(what string, min int) int {
		n := d.U32()
		if d.Err == nil && uint64(n)*uint64(min) > uint64(len(d.B)) {
			d.Err = fmt.Errorf("%s: %d records in %d bytes", what, n, len(d.B))
			return 0
		}
		return int(n)
	}
	i32 := func() int32 { return int32(d.U32()) }
	f := &layers.TransitFeed{Name: d.Str()}
	f.Agencies = make([]layers.TransitAgency, count("agencies", 8))
	for i := range f.Agencies {
		f.Agencies[i] = layers.TransitAgency{ID: d.Str(), Name: d.Str(), URL: d.Str(), Timezone: d.Str()}
	}
	f.Stops = make([]layers.TransitStop, count("stops", 6+32+4))
	for i := range f.Stops {
		s := &f.Stops[i]
		s.ID, s.Name, s.Parent = d.Str(), d.Str(), d.Str()
		s.Lon, s.Lat, s.Pos[0], s.Pos[1] = d.F64(), d.F64(), d.F64(), d.F64()
		s.LocationType = int(i32())
	}
	f.Routes = make([]layers.TransitRoute, count("routes", 8+4))
	for i := range f.Routes {
		f.Routes[i] = layers.TransitRoute{ID: d.Str(), AgencyID: d.Str(), ShortName: d.Str(), LongName: d.Str()}
		f.Routes[i].Type = int(i32())
	}
	f.Services = make([]layers.TransitService, count("services", 2+1+8+8))
	for i := range f.Services {
		s := &f.Services[i]
		s.ID = d.Str()
		days := d.U8()
		for k := range s.Weekdays {
			s.Weekdays[k] = days&(1<<k) != 0
		}
		s.Start, s.End = int(i32()), int(i32())
		for _, dates := range []*[]int{&s.Added, &s.Removed} {
			n := count("service dates", 4)
			if n > 0 {
				*dates = make([]int, n)
				for k := range *dates {
					(*dates)[k] = int(i32())
				}
			}
		}
	}
	f.Trips = make([]layers.TransitTrip, count("trips", 4+8+4))
	for i := range f.Trips {
		t := &f.Trips[i]
		t.ID, t.Headsign = d.Str(), d.Str()
		t.Route, t.Service = i32(), i32()
	}
	f.Frequencies = make([]layers.TransitFrequency, count("frequencies", 17))
	for i := range f.Frequencies {
		q := &f.Frequencies[i]
		q.Trip, q.Start, q.End, q.Headway = i32(), i32(), i32(), i32()
		q.ExactTimes = d.U8() == 1
	}
	f.Transfers = make([]layers.TransitTransfer, count("transfers", 16))
	for i := range f.Transfers {
		x := &f.Transfers[i]
		x.From, x.To, x.Type, x.MinTime = i32(), i32(), int(i32()), i32()
	}
	n := d.U32()
	if d.Err == nil && (uint64(len(f.Trips))*4+uint64(n)*12 != uint64(len(d.B))) {
		d.Err = fmt.Errorf("stop times: %d trips and %d stop times in %d bytes", len(f.Trips), n, len(d.B))
	}
	if d.Err != nil {
		return nil, fmt.Errorf("%w: timetable: %v", ErrInvalid, d.Err)
	}
	f.StopTimeStart = make([]uint32, len(f.Trips)+1)
	for i := range f.Trips {
		f.StopTimeStart[i+1] = d.U32()
	}
	f.StopIdx, f.Arr, f.Dep = make([]uint32, n), make([]int32, n), make([]int32, n)
	for i := range f.StopIdx {
		f.StopIdx[i], f.Arr[i], f.Dep[i] = d.U32(), i32(), i32()
	}
	if d.Err != nil || len(d.B) != 0 {
		return nil, fmt.Errorf("%w: timetable: malformed (%v, %d bytes left)", ErrInvalid, d.Err, len(d.B))
	}
	if err := f.Check(); err != nil {
		return nil, fmt.Errorf("%w: timetable: %w", ErrInvalid, err)
	}
	return f, nil
}
