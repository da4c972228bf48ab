// The map of /carte: the events of the page's filters, from /api/events.geojson, one marker per
// place (its popup lists the place's events), markers clustered. Without it the page lists them.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L || !L.markerClusterGroup || !window.fetch) {
    return;
  }
  var data = element.dataset;
  var lang = document.documentElement.lang || "fr";
  var dayFormat = new Intl.DateTimeFormat(lang, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
  var timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });

  function when(properties) {
    if (properties.all_day) {
      var parts = properties.start.split("-").map(Number);
      return dayFormat.format(new Date(parts[0], parts[1] - 1, parts[2]));
    }
    // The event's own wall-clock time, as written in its offset ("2026-11-28T09:00:00+04:00").
    var local = properties.start.slice(0, 19).split(/[-T:]/).map(Number);
    var moment = new Date(local[0], local[1] - 1, local[2], local[3], local[4]);
    return dayFormat.format(moment) + ", " + timeFormat.format(moment);
  }

  function popup(place) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.className = "map-popup__place";
    title.textContent = place.label;
    box.appendChild(title);
    var list = document.createElement("ul");
    place.events.forEach(function (properties) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = properties.title;
      if (properties.status === "cancelled") {
        var badge = document.createElement("strong");
        badge.textContent = data.labelCancelled + " ";
        item.appendChild(badge);
        link.className = "cancelled";
      }
      item.appendChild(link);
      var date = document.createElement("span");
      date.className = "map-popup__when";
      date.textContent = when(properties);
      item.appendChild(date);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function places(features) {
    var byKey = {};
    var ordered = [];
    features.forEach(function (feature) {
      var point = feature.geometry.coordinates;
      var key = point[1] + "," + point[0];
      if (!byKey[key]) {
        var properties = feature.properties;
        byKey[key] = {
          lat: point[1],
          lon: point[0],
          label: [properties.place, properties.city].filter(Boolean).join(", "),
          events: [],
        };
        ordered.push(byKey[key]);
      }
      byKey[key].events.push(feature.properties);
    });
    return ordered;
  }

  function countIcon(events, places, className, size) {
    var html = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(events);
    html.appendChild(number);
    html.dataset.places = String(places);
    html.dataset.events = String(events);
    return L.divIcon({ html: html, className: className, iconSize: L.point(size, size) });
  }

  function inMainland(place) {
    return place.lat >= 41 && place.lat <= 51.2 && place.lon >= -5.3 && place.lon <= 9.7;
  }

  function listOverseas(items) {
    var box = document.createElement("p");
    box.className = "map-overseas";
    box.textContent = data.labelOverseas + " ";
    items.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small button--secondary";
      button.textContent = item.place.label || data.labelOverseas;
      button.addEventListener("click", function () {
        clusters.zoomToShowLayer(item.marker, function () {
          item.marker.openPopup();
        });
      });
      box.appendChild(button);
      box.appendChild(document.createTextNode(" "));
    });
    element.insertAdjacentElement("afterend", box);
  }

  element.hidden = false;
  var map = L.map(element, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
  L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 18 }).addTo(map);
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    removeOutsideVisibleBounds: false, // overseas places stay in the page, off screen
    iconCreateFunction: function (cluster) {
      var events = cluster.getAllChildMarkers().reduce(function (sum, marker) {
        return sum + marker.options.events;
      }, 0);
      var size = events < 10 ? "small" : events < 100 ? "medium" : "large";
      return countIcon(events, cluster.getChildCount(), "marker-cluster marker-cluster-" + size, 40);
    },
  });
  var status = document.getElementById("map-status");

  fetch(data.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    })
    .then(function (collection) {
      var found = places(collection.features);
      var mainland = [];
      var overseas = [];
      found.forEach(function (place) {
        var count = place.events.length;
        var label = place.label + " : " + count + " " + (count > 1 ? data.labelEvents : data.labelEvent);
        var marker = L.marker([place.lat, place.lon], {
          icon: countIcon(count, 1, "place-marker", 32),
          title: label,
          alt: label,
          events: count,
        });
        marker.bindPopup(popup(place), { maxWidth: 320 });
        clusters.addLayer(marker);
        (inMainland(place) ? mainland : overseas).push({ place: place, marker: marker });
      });
      map.addLayer(clusters);
      // Mainland France first: overseas places would zoom the map out to the whole globe; they
      // get a button each, below the map, that brings them into view.
      var shown = mainland.length ? mainland : overseas;
      if (shown.length) {
        var bounds = L.latLngBounds(shown.map(function (item) { return item.marker.getLatLng(); }));
        map.fitBounds(bounds, { maxZoom: 12, padding: [24, 24] });
      }
      if (mainland.length && overseas.length) {
        listOverseas(overseas);
      }
      element.dataset.places = String(found.length);
      element.dataset.ready = "1";
      if (status) {
        status.textContent =
          found.length + " " + data.labelPlaces + " · " + collection.features.length + " " + data.labelEvents;
        status.hidden = false;
      }
    })
    .catch(function () {
      element.dataset.ready = "error";
    });
})();
