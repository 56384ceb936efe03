// Interactive area maps: draws a townhall GeoJSON map (colours, legend and hover details come with the data) with
// Leaflet and no tile layer, so it works offline. Used by the app's pages (data-geojson-url, fetched from the app)
// and by standalone HTML exports (data-geojson-element, the id of an inline application/json script).
// Every map has a table of the same figures beside it, so nothing here is the only way to read the figures.
(function () {
  "use strict";

  function addLegend(map, data) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "townhall-map-legend");
      var heading = L.DomUtil.create("p", "townhall-map-legend-title", box);
      heading.textContent = data.measure || "";
      (data.legend || []).forEach(function (entry) {
        var line = L.DomUtil.create("div", "townhall-map-legend-entry", box);
        var swatch = L.DomUtil.create("span", "townhall-map-legend-swatch", line);
        swatch.style.backgroundColor = entry.colour;
        if (entry.label.indexOf("not shown") !== -1) {
          swatch.className += " townhall-map-legend-swatch--hidden";
        }
        var text = document.createElement("span");
        text.textContent = entry.label + " (" + entry.areas + ")";
        line.appendChild(text);
      });
      return box;
    };
    legend.addTo(map);
  }

  function draw(container, data) {
    var map = L.map(container, { attributionControl: true, zoomSnap: 0.25, keyboard: true });
    var layer = L.geoJSON(data, {
      style: function (feature) {
        var hidden = feature.properties.display === "[c]";
        if (feature.properties.stroke) {  // a line, such as a route, drawn in its own colour
          return { color: feature.properties.stroke, weight: 4, opacity: 0.9 };
        }
        return {
          color: "#505a5f", weight: 1, fillColor: feature.properties.colour,
          fillOpacity: hidden ? 0.6 : 0.85, dashArray: hidden ? "4 3" : null
        };
      },
      pointToLayer: function (feature, latlng) {  // stops as small circles in their route's colour
        return L.circleMarker(latlng, { radius: 6, color: "#0b0c0c", weight: 1,
                                        fillColor: feature.properties.colour, fillOpacity: 0.9 });
      },
      onEachFeature: function (feature, shape) {
        var text = feature.properties.name + ": " + feature.properties.display;
        shape.bindTooltip(text, { sticky: true });
        shape.on("mouseover", function () { shape.setStyle({ weight: 3, color: "#0b0c0c" }); });
        shape.on("mouseout", function () { layer.resetStyle(shape); });
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    } else {
      map.setView([54, -2], 6);
    }
    map.attributionControl.setPrefix(false);
    (data.footnotes || []).slice(-1).forEach(function (text) { map.attributionControl.addAttribution(text); });
    addLegend(map, data);
    container.setAttribute("data-map-ready", "true");
  }

  function start(container) {
    var elementId = container.getAttribute("data-geojson-element");
    if (elementId) {
      draw(container, JSON.parse(document.getElementById(elementId).textContent));
      return;
    }
    fetch(container.getAttribute("data-geojson-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("The map's figures could not be loaded."); }
        return response.json();
      })
      .then(function (data) { draw(container, data); })
      .catch(function (error) {
        container.textContent = error.message + " The same figures are in the table.";
      });
  }

  function startAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".townhall-map"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
