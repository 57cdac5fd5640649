/**
 * The incident page's live updates: polls the events endpoint every second
 * and re-renders every live field (heading, status and its colour, stage,
 * progress, durations, served-again time, notices, timeline, workflow) from
 * that one JSON, with DOM APIs and textContent only (the page's CSP allows
 * this script by its nonce). Durations and "ago" times tick each second from
 * the server's clock. A polite live region announces a new step, a new status
 * or a decision, never the clock. It stops after rendering a finished
 * incident; a refused request (expired session) offers to sign in again; a
 * decision made elsewhere reloads the page, or, while a reason is being
 * typed, says so next to the controls concerned and disables them.
 */
import { PROGRESS_STATE_LABELS } from '../domain/labels';
import { STEP_MARKS } from './incident-details';

const POLL_MS = 1000;

export const LIVE_SCRIPT = `(function(){
var POLL=${POLL_MS};var MARKS=${JSON.stringify(STEP_MARKS)};var STATES=${JSON.stringify(PROGRESS_STATE_LABELS)};
var b=document.body;var url=location.pathname.replace(/\\/$/,'')+'/events';
var pending=b.getAttribute('data-pending')||'';var zone=b.getAttribute('data-zone')||'UTC';var zoneLabel=b.getAttribute('data-zone-label')||'UTC';
var skew=Date.parse(b.getAttribute('data-now')||'')-Date.now();if(isNaN(skew))skew=0;
var v=null;var lastStep=null;var lastStatus=null;var stopped=false;var timer=null;
function $(id){return document.getElementById(id);}
function now(){return Date.now()+skew;}
function set(el,text){if(el&&el.textContent!==String(text))el.textContent=String(text);}
function dur(s){s=Math.max(0,Math.round(s));if(s<60)return s+' s';var m=Math.floor(s/60);if(m<60)return s%60?m+' min '+(s%60)+' s':m+' min';var h=Math.floor(m/60);return m%60?h+' h '+(m%60)+' min':h+' h';}
function rel(iso){var ms=now()-Date.parse(iso);if(isNaN(ms))return '';var s=Math.round(Math.abs(ms)/1000);if(s<5)return 'just now';var span=s<60?s+' s':dur(Math.round(s/60)*60);return ms<0?'in '+span:span+' ago';}
function clock(ms,secs){var o={timeZone:zone,hour:'2-digit',minute:'2-digit',hourCycle:'h23'};if(secs)o.second='2-digit';return new Intl.DateTimeFormat('en-GB',o).format(new Date(ms))+' '+zoneLabel;}
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=String(text);return e;}
function timeEl(e){var t=document.createElement('time');t.dateTime=e.at;t.title=e.title;t.textContent=e.clock;return t;}
function spans(){var i=v.incident;var open=i.status==='OPEN';var n=new Date(now()).toISOString();
var end=i.resolvedAt||i.failedAt||i.falseAlarmAt||(open?n:i.openedAt);var oEnd=i.restoredAt||i.resolvedAt||(open?n:i.failedAt);var dEnd=i.resolvedAt||(open?n:i.failedAt);
var s=function(a,z){return (Date.parse(z)-Date.parse(a))/1000;};
set($('elapsed'),dur(s(i.openedAt,end)));
set($('outage'),i.status==='FALSE_ALARM'?'none (false alarm)':oEnd?dur(s(i.openedAt,oEnd)):'–');
set($('degraded'),i.restoredAt&&dEnd?dur(s(i.restoredAt,dEnd)):open?'not yet (clients not served again)':'none');}
function tickAll(){var a=document.querySelectorAll('[data-since]');for(var k=0;k<a.length;k++)set(a[k],dur((now()-Date.parse(a[k].getAttribute('data-since')))/1000));
var r=document.querySelectorAll('[data-ago]');for(var j=0;j<r.length;j++)set(r[j],rel(r[j].getAttribute('data-ago')));if(v)spans();}
function eta(){var m;v.approvals.forEach(function(a){if(m===undefined&&typeof a.facts.etaMinutes==='number')m=a.facts.etaMinutes;});
if(m===undefined)v.timeline.forEach(function(e){if(m===undefined&&e.type==='ASSESSED'&&e.detail&&typeof e.detail.etaMinutes==='number')m=e.detail.etaMinutes;});return m;}
function served(){var i=v.incident;var m=eta();var est=m===undefined?'':'about '+m+' min';
if(i.restoredAt)return 'at '+clock(Date.parse(i.restoredAt))+', '+dur((Date.parse(i.restoredAt)-Date.parse(i.openedAt))/1000)+' after the outage began'+(est?' (estimated '+est+')':'');
if(i.status!=='OPEN')return 'not restored by the workflow';return est?'in '+est+' (estimate)':'not estimated yet';}
function progress(){var ol=$('progress');if(!ol)return;var frag=document.createDocumentFragment();
v.progress.forEach(function(p){var li=el('li',p.state);if(p.state==='current')li.setAttribute('aria-current','step');
li.appendChild(el('span','mark',MARKS[p.state]||''));li.lastChild.setAttribute('aria-hidden','true');li.appendChild(document.createTextNode(' '+p.label));
if(p.seconds!==undefined&&p.state!=='todo'){li.appendChild(document.createTextNode(' '));var t=el('span','took',dur(p.seconds));if(p.state==='current'&&p.startedAt)t.setAttribute('data-since',p.startedAt);li.appendChild(t);}
li.appendChild(el('span','visually-hidden',' ('+(STATES[p.state]||p.state)+')'));frag.appendChild(li);});ol.replaceChildren(frag);}
function list(id,items,kind){var ol=$(id);if(!ol||ol.children.length===items.length)return;var frag=document.createDocumentFragment();
items.forEach(function(e){var li=el('li');li.appendChild(timeEl(e));li.appendChild(el('span','type',kind==='n'?e.stageLabel:e.label));li.appendChild(document.createTextNode(kind==='n'?e.message:e.text));frag.appendChild(li);});ol.replaceChildren(frag);}
function announce(text){var a=$('announce');if(a)a.textContent=text;}
function stale(now){var secs=document.querySelectorAll('section[data-pending]');for(var k=0;k<secs.length;k++){var s=secs[k];if((','+now+',').indexOf(','+s.getAttribute('data-pending')+',')>=0)continue;
var w=s.querySelector('.stale');if(w){w.hidden=false;w.textContent='This approval was decided or changed elsewhere: reload the page before acting (your reason is kept here to copy).';}
var c=s.querySelectorAll('button,input[type=submit]');for(var j=0;j<c.length;j++)c[j].disabled=true;}}
function typing(){var t=document.querySelectorAll('textarea');for(var i=0;i<t.length;i++){if(t[i].value)return true;}return false;}
function render(){var i=v.incident;set($('headline'),v.headline);
var st=$('incident-status');if(st){set(st,i.statusLabel);st.className='status-'+i.status;}
set($('incident-stage'),i.stageLabel);set($('incident-plan'),i.planLabel);set($('served'),served());
var nc=document.querySelectorAll('.notices-count');for(var k=0;k<nc.length;k++)set(nc[k],v.notices.length);
var nn=$('no-notices');if(nn)nn.hidden=v.notices.length>0;list('notices',v.notices,'n');list('timeline',v.timeline,'t');
set($('execution-status'),v.execution?v.execution.statusLabel:'–');set($('execution-state'),v.execution?(v.execution.currentState||'–'):'–');
progress();spans();
var cur=v.progress.filter(function(p){return p.state==='current';})[0];var step=cur?cur.id:'';
if(lastStatus!==null&&i.status!==lastStatus)announce('Status: '+i.statusLabel+'. '+v.headline);else if(lastStep!==null&&step!==lastStep&&cur)announce('Now: '+cur.label);
lastStatus=i.status;lastStep=step;
if(v.finished){var wo=document.querySelectorAll('.while-open');for(var q=0;q<wo.length;q++)wo[q].hidden=true;var wf=document.querySelectorAll('.when-finished');for(var f=0;f<wf.length;f++)wf[f].hidden=false;}
set($('live'),(v.finished?'Final state, updated ':'Live: updated ')+clock(now(),true));}
function refused(){var c=$('connection');if(!c)return;c.replaceChildren();c.appendChild(document.createTextNode('Your session expired — '));
var a=el('a','','sign in again');a.href='/login?next='+encodeURIComponent(location.pathname);c.appendChild(a);c.hidden=false;set($('live'),'Live updates stopped');}
function poll(){fetch(url,{headers:{Accept:'application/json'},credentials:'same-origin',cache:'no-store'}).then(function(r){
if(r.status===401||r.status===403){stopped=true;refused();return null;}if(!r.ok)throw new Error(String(r.status));return r.json();}).then(function(j){
if(!j)return;v=j;var c=$('connection');if(c&&!c.querySelector('a'))c.hidden=true;
var skewNow=Date.parse(v.now)-Date.now();if(!isNaN(skewNow))skew=skewNow;
var p=v.approvals.filter(function(a){return a.status==='PENDING';}).map(function(a){return a.step;}).join(',');
if(p!==pending){if(!typing()){stopped=true;location.reload();return;}stale(p);announce('The approval was decided or changed elsewhere: reload the page.');}
render();if(v.finished)stopped=true;}).catch(function(){var c=$('connection');if(c){c.textContent='Live updates paused (connection lost); retrying…';c.hidden=false;}}).then(function(){if(!stopped)setTimeout(poll,POLL);});}
timer=setInterval(tickAll,1000);poll();})();`;
