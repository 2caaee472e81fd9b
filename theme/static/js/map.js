/*
 * The map of entries (/carte/).
 *
 * It draws the communes' boundaries from /geo/communes.geojson, then loads a commune's entries from
 * its own /geo/<slug>.geojson only when the view needs them (the commune is in view at ENTRIES_ZOOM
 * or more, or the resident picked it), so a phone never downloads every entry of the territory.
 *
 * Entries are what residents typed: every text from the data reaches the page through textContent
 * or setAttribute, never as HTML. Settings come from the data-* attributes of #map and the labels of
 * kinds and categories from the filter form, so nothing is written twice.
 */
(function () {
  'use strict';

  var ENTRIES_ZOOM = 14; // a few kilometres on screen: only the communes around are loaded
  var LIST_LIMIT = 50; // entries listed under the map; beyond, people are invited to zoom in
  var DEFAULT_MAX_ZOOM = 19;

  var container = document.getElementById('map');
  var filtersForm = document.getElementById('map-filters');
  var gotoForm = document.getElementById('map-goto');
  var results = document.getElementById('map-results');
  var statusLine = document.getElementById('map-status');
  var list = document.getElementById('map-list');
  if (!container || !window.L || !L.markerClusterGroup || !window.fetch) {
    return;
  }

  /* An icon whose element carries an accessible name: Leaflet makes markers focusable buttons. */
  var LabelledIcon = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      var element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      element.setAttribute('aria-label', this.options.label);
      element.title = this.options.label;
      return element;
    }
  });

  // People who ask their system for less motion get no fades or animated zooms (WCAG 2.3.3).
  var stillMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var settings = readSettings(container);
  var labels = readLabels(filtersForm);
  var map = createMap(container, settings);
  var communeLayers = {}; // slug -> boundary layer
  var selected = null; // the boundary of the commune last picked, drawn thicker
  var wanted = null; // a commune picked before the boundaries arrived: shown as soon as they are drawn
  var loads = {}; // slug -> promise of the commune's entries, once asked for
  var entries = []; // {props, commune (its properties), marker, item} of every loaded entry
  var filters = readFilters();
  var openPopup = null; // the popup being read, if any
  var moving = false; // between Leaflet's movestart and moveend (zooms included)
  var waiting = []; // markers loaded while a popup was open, added when it closes
  var group = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    chunkedLoading: true,
    animate: !stillMotion,
    iconCreateFunction: clusterIcon
  }).addTo(map);

  watchMap();
  showControls();
  fetchJson(container.dataset.communesUrl)
    .then(drawCommunes)
    .catch(function () {
      announce('La carte n\u2019a pas pu charger les communes. Consultez les listes par commune sous la carte.');
    });

  function readSettings(element) {
    var maxZoom = parseInt(element.dataset.tileMaxZoom, 10);
    return {
      siteUrl: (element.dataset.siteUrl || '').replace(/\/$/, ''),
      tileUrl: element.dataset.tileUrl || '',
      attribution: element.dataset.tileAttribution || '',
      maxZoom: maxZoom > 0 ? maxZoom : DEFAULT_MAX_ZOOM
    };
  }

  function readLabels(form) {
    // No prototype: a key such as "constructor" in the data must not look like a known kind.
    var found = { kind: Object.create(null), category: Object.create(null) };
    form.querySelectorAll('input[data-label]').forEach(function (input) {
      found[input.name][input.value] = input.dataset.label;
    });
    return found;
  }

  function createMap(element, options) {
    var created = L.map(element, {
      maxZoom: options.maxZoom,
      zoomControl: false,
      fadeAnimation: !stillMotion,
      zoomAnimation: !stillMotion,
      markerZoomAnimation: !stillMotion
    });
    L.control.zoom({ zoomInTitle: 'Zoomer', zoomOutTitle: 'Dézoomer' }).addTo(created);
    created.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
    // The attribution is a deployment setting (pelicanconf.py), not resident data.
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, { attribution: options.attribution, maxZoom: options.maxZoom }).addTo(created);
    }
    return created;
  }

  /* Loads and the list follow the view; a popup being read is never pulled away. */
  function watchMap() {
    map.on('movestart', function () {
      moving = true;
    });
    map.on('moveend', function () {
      moving = false;
      loadVisibleCommunes();
      refreshList();
    });
    map.on('popupopen', function (event) {
      openPopup = event.popup;
      var close = event.popup.getElement().querySelector('.leaflet-popup-close-button');
      if (close) {
        close.setAttribute('aria-label', 'Fermer');
      }
    });
    map.on('popupclose', function (event) {
      if (openPopup === event.popup) {
        openPopup = null;
        group.addLayers(waiting.splice(0));
        refreshList();
      }
    });
    // Leaflet only hears Escape while the map itself has focus, not a marker or a popup's link.
    container.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        map.closePopup();
      }
    });
  }

  function showControls() {
    filtersForm.hidden = false;
    gotoForm.hidden = false;
    results.hidden = false;
    document.getElementById('map-skip').hidden = false;
    filtersForm.addEventListener('change', applyFilters);
    gotoForm.addEventListener('submit', function (event) {
      event.preventDefault();
      showCommune(gotoForm.elements.commune.value);
    });
  }

  /* Communes */

  function drawCommunes(collection) {
    var boundaries = L.geoJSON(collection, { style: communeStyle, onEachFeature: bindCommune }).addTo(map);
    map.fitBounds(boundaries.getBounds());
    map.setMinZoom(map.getZoom() - 1);
    announce('Choisissez une commune ou zoomez pour afficher ses annonces.');
    if (wanted) {
      showCommune(wanted);
    }
  }

  function communeStyle(feature) {
    return {
      color: '#1f3f77',
      weight: 2,
      fillColor: '#2f6fbf',
      fillOpacity: feature.properties.count > 0 ? 0.12 : 0.03
    };
  }

  function bindCommune(feature, layer) {
    communeLayers[feature.properties.slug] = layer;
    layer.bindTooltip(function () {
      return newElement('span', null, feature.properties.name + ' : ' + countText(feature.properties.count));
    }, { sticky: true });
    layer.on('click', function () {
      if (map.getZoom() < ENTRIES_ZOOM) {
        showCommune(feature.properties.slug); // zoomed in, a click must not throw the view back out
      }
    });
  }

  function showCommune(slug) {
    var layer = communeLayers[slug];
    if (!layer) {
      wanted = slug; // on a slow phone the form is ready before the boundaries: keep the resident's choice
      announce('Chargement des communes\u2026');
      return;
    }
    wanted = null;
    if (selected) {
      selected.setStyle({ weight: 2 });
    }
    selected = layer.setStyle({ weight: 5 });
    map.fitBounds(layer.getBounds());
    loadCommune(layer.feature);
  }

  function loadVisibleCommunes() {
    if (map.getZoom() < ENTRIES_ZOOM) {
      return;
    }
    var view = map.getBounds();
    Object.keys(communeLayers).forEach(function (slug) {
      var layer = communeLayers[slug];
      if (view.intersects(layer.getBounds()) && isInView(layer.feature.geometry, view)) {
        loadCommune(layer.feature);
      }
    });
  }

  /* Whether a commune really shows in the view, not just its bounding box: one of its boundary points
     is in view, or the view's centre or a corner is inside it (a view smaller than the commune). */
  function isInView(geometry, view) {
    var polygons = geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates];
    var probes = [view.getCenter(), view.getNorthWest(), view.getNorthEast(), view.getSouthWest(),
                  view.getSouthEast()];
    return polygons.some(function (rings) {
      return rings[0].some(function (point) {
        return view.contains([point[1], point[0]]);
      }) || probes.some(function (probe) {
        return isInPolygon(rings, probe.lng, probe.lat);
      });
    });
  }

  /* Ray casting: inside the outer ring and outside every hole. */
  function isInPolygon(rings, lon, lat) {
    return isInRing(rings[0], lon, lat) && !rings.slice(1).some(function (hole) {
      return isInRing(hole, lon, lat);
    });
  }

  function isInRing(ring, lon, lat) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i];
      var b = ring[j];
      if ((a[1] > lat) !== (b[1] > lat) && lon < (b[0] - a[0]) * (lat - a[1]) / (b[1] - a[1]) + a[0]) {
        inside = !inside;
      }
    }
    return inside;
  }

  function loadCommune(feature) {
    var props = feature.properties;
    if (!loads[props.slug]) {
      loads[props.slug] = fetchJson(siteUrl(props.geojson))
        .then(function (collection) {
          addEntries(collection.features, props);
        })
        .catch(function () {
          delete loads[props.slug]; // so that moving the map tries again
          announce('Les annonces de ' + props.name + ' n\u2019ont pas pu être chargées. ' +
                   'Réessayez plus tard ou consultez la liste de la commune.');
        });
    }
    return loads[props.slug];
  }

  /* Entries */

  function addEntries(features, commune) {
    var added = [];
    features.forEach(function (feature) {
      var props = feature.properties;
      if (!labels.kind[props.kind] || !labels.category[props.category]) {
        return; // a kind or category this page does not know cannot be filtered: leave it out
      }
      var coordinates = feature.geometry.coordinates;
      var entry = { props: props, commune: commune, marker: createMarker(props, coordinates) };
      entries.push(entry);
      if (matchesFilters(props)) {
        added.push(entry.marker);
      }
    });
    if (openPopup) {
      // New markers could gather the open popup's marker into a cluster and close what the person reads.
      waiting = waiting.concat(added);
    } else {
      group.addLayers(added);
    }
    refreshList();
  }

  function createMarker(props, coordinates) {
    var label = labels.kind[props.kind] + ' : ' + props.title;
    var marker = L.marker([coordinates[1], coordinates[0]], {
      icon: new LabelledIcon({
        className: 'map-marker map-marker--' + props.kind,
        iconSize: [26, 26],
        label: label
      }),
      kind: props.kind,
      keyboard: true,
      riseOnHover: true,
      zIndexOffset: props.kind === 'request' ? 1000 : 0 // requests are fewer and come first
    });
    marker.bindPopup(function () {
      return popupContent(props);
    }, { maxWidth: 280 });
    marker.on('keypress', function (event) {
      if (event.originalEvent.keyCode === 13) {
        focusPopupLink(marker); // Leaflet opened the popup: take keyboard users into it
      }
    });
    marker.on('popupclose', function (event) {
      var icon = marker.getElement();
      var active = document.activeElement;
      if (icon && (active === document.body || event.popup.getElement().contains(active))) {
        icon.focus(); // the popup had the keyboard focus: give it back where the user was
      }
    });
    return marker;
  }

  function popupContent(props) {
    var box = newElement('div', 'map-popup');
    box.appendChild(newElement('p', 'map-popup__kind map-popup__kind--' + props.kind,
      labels.kind[props.kind] + ' · ' + labels.category[props.category]));
    var title = newElement('p', 'map-popup__title');
    title.appendChild(link(props));
    box.appendChild(title);
    box.appendChild(newElement('p', 'map-popup__name', 'Publiée par ' + props.name));
    return box;
  }

  function clusterIcon(cluster) {
    var markers = cluster.getAllChildMarkers();
    var requests = markers.filter(function (marker) {
      return marker.options.kind === 'request';
    }).length;
    var label = countText(markers.length) + ' regroupées, dont ' + requests +
      (requests > 1 ? ' demandes' : ' demande') + ' : appuyez pour zoomer';
    return new LabelledIcon({
      html: newElement('span', 'map-cluster__count', String(markers.length)),
      className: 'map-cluster' + (requests ? ' map-cluster--requests' : ''),
      iconSize: [40, 40],
      label: label
    });
  }

  /* Filters and the list of what the map shows */

  function readFilters() {
    var checked = { kind: [], category: [] };
    filtersForm.querySelectorAll('input[type="checkbox"]:checked').forEach(function (input) {
      checked[input.name].push(input.value);
    });
    return checked;
  }

  function matchesFilters(props) {
    return filters.kind.indexOf(props.kind) !== -1 && filters.category.indexOf(props.category) !== -1;
  }

  function applyFilters() {
    filters = readFilters();
    waiting = [];
    group.clearLayers();
    group.addLayers(entries.filter(function (entry) {
      return matchesFilters(entry.props);
    }).map(function (entry) {
      return entry.marker;
    }));
    refreshList();
  }

  function visibleEntries() {
    var view = map.getBounds();
    var visible = entries.filter(function (entry) {
      return matchesFilters(entry.props) && view.contains(entry.marker.getLatLng());
    });
    return visible.sort(function (a, b) {
      return rank(a) - rank(b); // a stable sort: otherwise in the order the files list them
    });
  }

  /* The commune the person picked comes first, and in each commune requests before offers. */
  function rank(entry) {
    var picked = selected && entry.commune === selected.feature.properties ? 0 : 2;
    return picked + (entry.props.kind === 'request' ? 0 : 1);
  }

  function refreshList() {
    var visible = visibleEntries();
    var focused = list.contains(document.activeElement) ? document.activeElement : null;
    list.textContent = '';
    visible.slice(0, LIST_LIMIT).forEach(function (entry) {
      entry.item = entry.item || listItem(entry); // built once, so focus can come back to it
      list.appendChild(entry.item);
    });
    if (focused && list.contains(focused)) {
      focused.focus(); // the list changed under a keyboard user: keep their place
    }
    if (!Object.keys(loads).length) {
      announce('Choisissez une commune ou zoomez pour afficher ses annonces.');
    } else if (visible.length > LIST_LIMIT) {
      announce(countText(visible.length) + ' dans la zone affichée ; voici les ' + LIST_LIMIT +
               ' premières. Zoomez pour affiner.');
    } else {
      announce(countText(visible.length) + ' dans la zone affichée.');
    }
  }

  function listItem(entry) {
    var item = newElement('li', 'map-list__item map-list__item--' + entry.props.kind);
    item.appendChild(link(entry.props));
    item.appendChild(newElement('span', 'map-list__meta', labels.kind[entry.props.kind] + ' · ' +
      labels.category[entry.props.category] + ' · ' + entry.commune.name + ' · ' + entry.props.name));
    var button = newElement('button', 'map-list__show', 'Voir sur la carte');
    button.type = 'button';
    button.addEventListener('click', function () {
      showEntry(entry);
    });
    item.appendChild(button);
    return item;
  }

  function showEntry(entry) {
    if (moving) {
      // Leaflet.markercluster cannot show a marker in the middle of a zoom: wait for the end of it.
      map.once('moveend', function () {
        showEntry(entry);
      });
      return;
    }
    group.zoomToShowLayer(entry.marker, function () {
      entry.marker.openPopup();
      focusPopupLink(entry.marker);
    });
  }

  function focusPopupLink(marker) {
    var popup = marker.isPopupOpen() && marker.getPopup().getElement();
    var popupLink = popup && popup.querySelector('.map-popup a');
    if (popupLink) {
      popupLink.focus();
    }
  }

  /* Small helpers on text and URLs: the only ways data reaches the page */

  function newElement(tag, className, text) {
    var created = document.createElement(tag);
    if (className) {
      created.className = className;
    }
    if (text !== undefined) {
      created.textContent = text;
    }
    return created;
  }

  function link(props) {
    var anchor = newElement('a', null, props.title);
    anchor.href = siteUrl(props.url) || siteUrl('/annonces/' + encodeURIComponent(props.id) + '/');
    return anchor;
  }

  /* Only paths of this site (starting with one slash) are followed: never another scheme or host. */
  function siteUrl(path) {
    return typeof path === 'string' && /^\/(?!\/)/.test(path) ? settings.siteUrl + path : '';
  }

  function countText(count) {
    return count + (count > 1 ? ' annonces' : ' annonce');
  }

  function announce(text) {
    statusLine.textContent = text;
  }

  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ': HTTP ' + response.status);
      }
      return response.json();
    });
  }
})();
