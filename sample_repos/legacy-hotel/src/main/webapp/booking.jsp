<%@ include file="header.jsp" %>
<%@ taglib uri="/WEB-INF/struts-html.tld" prefix="html" %>
<%@ page import="com.grandhotel.dao.RoomDao, com.grandhotel.model.Room" %>
<%
    Room room = new RoomDao().findById(Integer.parseInt(request.getParameter("roomId")));
%>
<h2>Book room <%= room.getNumber() %> (<%= room.getType() %>)</h2>
<html:errors/>
<form action="book.do" method="post">
  <input type="hidden" name="roomId" value="<%= room.getId() %>">
  <table>
    <tr><td>Arrival</td><td><input name="checkIn" value="<%= request.getParameter("checkIn") %>"></td></tr>
    <tr><td>Departure</td><td><input name="checkOut" value="<%= request.getParameter("checkOut") %>"></td></tr>
    <tr><td>Adults / children</td><td><input name="adults" size="2" value="2"> <input name="children" size="2" value="0"></td></tr>
    <tr><td>First name</td><td><input name="firstName"></td></tr>
    <tr><td>Last name</td><td><input name="lastName"></td></tr>
    <tr><td>E-mail</td><td><input name="email"></td></tr>
    <tr><td>Phone</td><td><input name="phone"></td></tr>
    <tr><td>Credit card</td><td><input name="cardNumber" autocomplete="on"> exp. <input name="cardExpiry" size="5"></td></tr>
    <tr><td>Special requests</td><td><textarea name="specialRequests" rows="3" cols="40"></textarea></td></tr>
  </table>
  <input type="submit" value="Book now">
</form>
<%@ include file="footer.jsp" %>
